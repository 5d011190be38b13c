import type { LocalObjectReference, ObjectMeta, Values } from './meta.ts';

export const HELM_RELEASE_API_VERSION = 'helm.toolkit.fluxcd.io/v2';
export const SOURCE_API_VERSION = 'source.toolkit.fluxcd.io/v1';
/** The resources of the kinds Orkestra writes, for the API's collection paths. */
export const FLUX_PLURALS: Readonly<Record<string, string>> = {
  HelmRelease: 'helmreleases',
  HelmRepository: 'helmrepositories',
  OCIRepository: 'ocirepositories',
};

export interface Remediation {
  retries?: number;
  ignoreTestFailures?: boolean;
  remediateLastFailure?: boolean;
}

export interface Strategy {
  name: 'RemediateOnFailure' | 'RetryOnFailure';
  retryInterval?: string;
}

export type CrdsPolicy = 'Skip' | 'Create' | 'CreateReplace';

/** Options Helm's install and upgrade actions share. */
interface HelmReleaseDeployOptions {
  timeout?: string;
  strategy?: Strategy;
  disableWait?: boolean;
  disableWaitForJobs?: boolean;
  disableHooks?: boolean;
  disableOpenAPIValidation?: boolean;
  disableSchemaValidation?: boolean;
  disableTakeOwnership?: boolean;
  crds?: CrdsPolicy;
}

export interface HelmReleaseInstall extends HelmReleaseDeployOptions {
  remediation?: Remediation;
  replace?: boolean;
  skipCRDs?: boolean;
  createNamespace?: boolean;
  serverSideApply?: boolean;
}

export interface HelmReleaseUpgrade extends HelmReleaseDeployOptions {
  remediation?: Remediation & { strategy?: 'rollback' | 'uninstall' };
  force?: boolean;
  preserveValues?: boolean;
  cleanupOnFail?: boolean;
  chartNameChangeStrategy?: 'InPlaceUpdate' | 'Reinstall';
  serverSideApply?: 'enabled' | 'disabled' | 'auto';
}

export interface HelmReleaseRollback {
  timeout?: string;
  disableWait?: boolean;
  disableWaitForJobs?: boolean;
  disableHooks?: boolean;
  recreate?: boolean;
  force?: boolean;
  cleanupOnFail?: boolean;
  serverSideApply?: 'enabled' | 'disabled' | 'auto';
}

export interface HelmReleaseUninstall {
  timeout?: string;
  disableHooks?: boolean;
  keepHistory?: boolean;
  disableWait?: boolean;
  deletionPropagation?: 'background' | 'foreground' | 'orphan';
}

export interface ValuesReference {
  kind: 'Secret' | 'ConfigMap';
  name: string;
  valuesKey?: string;
  targetPath?: string;
  optional?: boolean;
}

export type SourceKind = 'HelmRepository' | 'OCIRepository';

export interface CrossNamespaceObjectReference {
  kind: SourceKind;
  name: string;
  namespace?: string;
}

/** helm.toolkit.fluxcd.io/v2 HelmRelease: the fields Orkestra renders and reads. */
export interface HelmRelease {
  apiVersion: typeof HELM_RELEASE_API_VERSION;
  kind: 'HelmRelease';
  metadata: ObjectMeta;
  spec: HelmReleaseSpec;
  status?: HelmReleaseStatus;
}

export interface HelmReleaseSpec {
  chart?: {
    /** Labels and annotations of the HelmChart helm-controller makes (it copies the HelmRelease's none). */
    metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
    spec: {
      chart: string;
      version?: string;
      sourceRef: CrossNamespaceObjectReference;
      interval?: string;
    };
  };
  chartRef?: CrossNamespaceObjectReference;
  interval: string;
  releaseName?: string;
  /** The ServiceAccount (of the HelmRelease's namespace) helm-controller impersonates. */
  serviceAccountName?: string;
  /** A Secret with a kubeconfig: the release acts on whatever cluster and identity it names. */
  kubeConfig?: { secretRef: { name: string; key?: string } };
  targetNamespace?: string;
  storageNamespace?: string;
  timeout?: string;
  suspend?: boolean;
  values?: Values;
  valuesFrom?: ValuesReference[];
  dependsOn?: Array<{ name: string; namespace?: string }>;
  install?: HelmReleaseInstall;
  upgrade?: HelmReleaseUpgrade;
  rollback?: HelmReleaseRollback;
  uninstall?: HelmReleaseUninstall;
}

export interface HelmReleaseStatus {
  observedGeneration?: number;
  lastAttemptedGeneration?: number;
  lastAttemptedRevision?: string;
  lastAttemptedConfigDigest?: string;
  lastHandledReconcileAt?: string;
  conditions?: import('./meta.ts').Condition[];
  history?: Array<{ chartVersion?: string; status?: string; configDigest?: string; version?: number }>;
  installFailures?: number;
  upgradeFailures?: number;
  failures?: number;
}

/** source.toolkit.fluxcd.io/v1 HelmRepository */
export interface HelmRepository {
  apiVersion: typeof SOURCE_API_VERSION;
  kind: 'HelmRepository';
  metadata: ObjectMeta;
  spec: {
    url: string;
    interval: string;
    secretRef?: LocalObjectReference;
    type?: 'default' | 'oci';
    /** type oci only: plain HTTP to the registry. */
    insecure?: boolean;
  };
}

/** source.toolkit.fluxcd.io/v1 OCIRepository */
export interface OCIRepository {
  apiVersion: typeof SOURCE_API_VERSION;
  kind: 'OCIRepository';
  metadata: ObjectMeta;
  spec: {
    url: string;
    interval: string;
    ref?: { tag?: string; semver?: string };
    secretRef?: LocalObjectReference;
    layerSelector?: { mediaType: string; operation: 'copy' | 'extract' };
  };
}

export type ChartSource = HelmRepository | OCIRepository;
