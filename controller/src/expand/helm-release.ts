import type { Application, ApplicationGroup, ChartRef, Release } from '../../../lib/api/application-group.ts';
import {
  type ChartSource,
  HELM_RELEASE_API_VERSION,
  type HelmRelease,
  type HelmReleaseSpec,
  SOURCE_API_VERSION,
} from '../../../lib/api/flux.ts';
import type { Values } from '../../../lib/api/meta.ts';
import { durationSeconds } from '../../../lib/duration.ts';
import { HELM_RELEASE_NAME_MAX, toDnsLabel } from '../../../lib/names.ts';
import type { EffectivePolicy } from '../../../lib/policy/policy.ts';
import { stagedChart } from '../../../lib/staging.ts';
import { Labels, MANAGED_BY } from '../../../lib/wire-names.ts';
import type { Json } from '../../../lib/yaml.ts';

export const DEFAULT_INTERVAL = '5m';
/** Version range for staged subcharts: any version, pre-releases included (`*` excludes them). */
export const ANY_VERSION = '>=0.0.0-0';

/** Name of the HelmRelease (and its source object) of an application, or of one of its subcharts. */
export function releaseName(application: string, subchart?: string): string {
  return toDnsLabel(subchart === undefined ? [application] : [application, subchart]);
}

/** Helm's own release name: at most 53 characters. */
export function helmReleaseName(application: string, subchart?: string): string {
  return toDnsLabel(subchart === undefined ? [application] : [application, subchart], HELM_RELEASE_NAME_MAX);
}

/** A label value: the raw string when it is one, else a DNS label with a hash. */
export function labelValue(raw: string): string {
  return raw.length <= 63 && /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(raw)
    ? raw
    : toDnsLabel(raw);
}

export interface ReleaseContext {
  group: ApplicationGroup;
  namespace: string;
  stagingUrl: string;
  /** The staging registry speaks plain HTTP (HelmRepository `insecure: true`). */
  stagingPlainHttp: boolean;
  /** The Secret staged subcharts' HelmRepositories take the staging registry's credentials from ('' none). */
  stagingSecret: string;
  /** Who the releases run as, and whether they may create their target namespace. */
  policy: Pick<EffectivePolicy, 'serviceAccountName' | 'createNamespace'>;
}

export interface RenderedRelease {
  name: string;
  application: string;
  subchart?: string;
  helmRelease: HelmRelease;
  source: ChartSource;
}

/**
 * The HelmRelease of an application. With subcharts, the parent release has every subchart
 * disabled (`<subchart>.enabled: false`): each is released on its own beforehand.
 */
export function renderApplicationRelease(context: ReleaseContext, app: Application): RenderedRelease {
  const release = app.spec.release ?? {};
  const subcharts = app.spec.subcharts ?? [];
  let values = release.values;
  if (subcharts.length > 0) {
    values = { ...(values ?? {}) };
    for (const sub of subcharts) values[sub.name] = { ...asValues(values[sub.name]), enabled: false };
  }
  return renderRelease(context, app, undefined, app.spec.chart, values);
}

/**
 * The HelmRelease of one subchart, installed from the staging repository the `stage` step pushed
 * it to. Its values are what the parent chart would pass it: `values.<subchart>` plus `global`.
 */
export function renderSubchartRelease(
  context: ReleaseContext,
  app: Application,
  subchart: string,
): RenderedRelease {
  const parentValues = app.spec.release?.values ?? {};
  const values: Values = { ...asValues(parentValues[subchart]) };
  if (parentValues.global !== undefined) values.global = parentValues.global;
  delete values.enabled;
  const staged = stagedChart(context.stagingUrl, context.namespace, app.spec.chart, subchart);
  const chart: ChartRef = { url: staged.repositoryUrl, name: staged.chart, version: ANY_VERSION };
  return renderRelease(context, app, subchart, chart, Object.keys(values).length > 0 ? values : undefined, {
    plainHttp: context.stagingPlainHttp,
    secret: context.stagingSecret,
  });
}

function renderRelease(
  context: ReleaseContext,
  app: Application,
  subchart: string | undefined,
  chart: ChartRef,
  values: Values | undefined,
  /** A subchart staged to the OCI staging registry: a HelmRepository of type oci. */
  staged?: { plainHttp: boolean; secret: string },
): RenderedRelease {
  const release: Release = app.spec.release ?? {};
  const name = releaseName(app.name, subchart);
  const metadata = {
    name,
    namespace: context.namespace,
    labels: {
      [Labels.managedBy]: MANAGED_BY,
      [Labels.applicationGroup]: labelValue(context.group.metadata.name ?? ''),
      // Whose it is: the executor changes or removes only what carries its group's uid.
      ...(context.group.metadata.uid ? { [Labels.ownerUid]: context.group.metadata.uid } : {}),
      [Labels.application]: labelValue(app.name),
      ...(subchart === undefined ? {} : { [Labels.subchart]: labelValue(subchart) }),
    },
  };
  const interval = release.interval ?? DEFAULT_INTERVAL;
  const isOci = chart.url.startsWith('oci://') && !staged;
  const secretRef = chart.authSecretRef ? { name: chart.authSecretRef.name } : undefined;
  const source: ChartSource = isOci
    ? {
        apiVersion: SOURCE_API_VERSION,
        kind: 'OCIRepository',
        metadata,
        spec: {
          url: `${chart.url.replace(/\/+$/, '')}/${chart.name}`,
          interval,
          ref: { semver: chart.version ?? '*' },
          secretRef,
        },
      }
    : {
        apiVersion: SOURCE_API_VERSION,
        kind: 'HelmRepository',
        metadata,
        spec: staged
          ? {
              type: 'oci',
              url: chart.url,
              interval,
              ...(staged.plainHttp ? { insecure: true } : {}),
              ...(staged.secret ? { secretRef: { name: staged.secret } } : {}),
            }
          : { url: chart.url, interval, secretRef },
      };

  const targetNamespace = release.targetNamespace;
  // Namespaces are created only where the policy lets releases create them (then by default, as
  // the original Orkestra did); the group's own setting is checked against the policy beforehand.
  const install = {
    ...(context.policy.createNamespace ? { createNamespace: true } : {}),
    ...release.install,
  };
  const spec: HelmReleaseSpec = {
    ...(isOci
      ? { chartRef: { kind: 'OCIRepository', name } }
      : {
          chart: {
            spec: {
              chart: chart.name,
              version: chart.version ?? '*',
              sourceRef: { kind: 'HelmRepository', name },
            },
          },
        }),
    interval,
    releaseName: helmReleaseName(app.name, subchart),
    // helm-controller impersonates it: the release can do what that ServiceAccount may, no more.
    serviceAccountName: context.policy.serviceAccountName || undefined,
    targetNamespace,
    // Helm keeps its release records beside the release, as `helm install -n <target>` would.
    storageNamespace: targetNamespace,
    timeout: release.timeout,
    install: Object.keys(install).length > 0 ? install : undefined,
    upgrade: release.upgrade,
    rollback: release.rollback,
    uninstall: release.uninstall,
    values,
    valuesFrom: release.valuesFrom,
  };
  return {
    name,
    application: app.name,
    subchart,
    helmRelease: { apiVersion: HELM_RELEASE_API_VERSION, kind: 'HelmRelease', metadata, spec },
    source,
  };
}

function asValues(value: Json | undefined): Values {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {};
}

/**
 * How long an executor step waits for its release: every attempt Flux may make (one plus the
 * remediation retries) at Helm's timeout each, plus two minutes for fetching the chart.
 */
export function executorTimeout(release: Release | undefined): string {
  const helmTimeout = durationSeconds(release?.timeout ?? '5m');
  const retries = Math.max(
    release?.install?.remediation?.retries ?? 0,
    release?.upgrade?.remediation?.retries ?? 0,
    0,
  );
  return `${Math.ceil(helmTimeout * (1 + retries) + 120)}s`;
}
