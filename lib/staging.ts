// Where `stage` pushes the subcharts of a parent chart and where their HelmRepositories point: both
// the renderer and the executor name it from the same inputs, so it is defined once, here.
import { createHash } from 'node:crypto';
import { toDnsLabel } from './names.ts';

/** A path component of an OCI repository name (distribution-spec). */
const OCI_PATH_COMPONENT = /^[a-z0-9]+([._-][a-z0-9]+)*$/;

/** Kept when it is a valid OCI path component, else a DNS label (which always is one). */
function pathComponent(raw: string): string {
  return OCI_PATH_COMPONENT.test(raw) ? raw : toDnsLabel(raw);
}

export interface OciLocation {
  /** host[:port] */
  registry: string;
  /** The repository path below the registry, without leading or trailing slashes ('' for none). */
  path: string;
}

/** `oci://host[:port][/path]` → its registry and path, or the reason it is not one. */
export function parseOciUrl(url: string): OciLocation | { problem: string } {
  const match = /^oci:\/\/([^/?#@\s]+)(\/[^?#\s]*)?$/.exec(url);
  if (!match) return { problem: `"${url}" is not an oci://HOST[:PORT][/PATH] URL` };
  if ((match[2] ?? '').slice(1).split('/').slice(0, -1).includes('')) {
    return { problem: `"${url}" has an empty path component (//)` };
  }
  const path = (match[2] ?? '').replace(/^\/|\/$/g, '');
  const bad = path.split('/').find((component) => path !== '' && !OCI_PATH_COMPONENT.test(component));
  if (bad !== undefined) {
    return {
      problem: `"${url}": "${bad}" cannot be part of an OCI repository name (lowercase letters, digits, and . _ - between them)`,
    };
  }
  return { registry: (match[1] as string).toLowerCase(), path };
}

/** The longest parent chart name kept in a staged path (the rest is its hash's to tell apart). */
const PARENT_NAME_MAX = 40;

/**
 * Where a subchart of a parent chart is staged: below `<staging>/<namespace>/<parent>-<SHA-256 of
 * its repository URL>/` (the URL of the subchart's HelmRepository), as chart
 * `<subchart>--<parent version>`. The namespace is the group's (the stage step's own): the staging
 * registry lets each namespace's credentials into its own folder only (lib/staging-auth.ts), so no
 * namespace can push what another's releases install. The full hash keeps apart two repositories'
 * charts of one name (e.g. a fork). The parent's version is in the chart's name, not in the
 * repository URL, so that a new parent version changes the HelmRelease itself
 * (`spec.chart.spec.chart`): Flux fetches the chart again and the step waits for the upgrade. (The
 * name must suit both OCI, whose path components allow `-`, `.` and `_`, and source-controller,
 * whose chart names allow `-`, `.`, `/`; a `/` would nest its artifact files.)
 */
export function stagedChart(
  stagingUrl: string,
  namespace: string,
  parent: { url: string; name: string; version?: string },
  subchart: string,
): { repositoryUrl: string; chart: string } {
  return {
    repositoryUrl: stagedRepositoryUrl(stagingUrl, namespace, parent),
    chart: stagedChartName(subchart, parent.version),
  };
}

/** The HelmRepository URL of the subcharts of a parent chart staged by a namespace (see stagedChart). */
export function stagedRepositoryUrl(
  stagingUrl: string,
  namespace: string,
  parent: { url: string; name: string },
): string {
  const source = createHash('sha256').update(parent.url.replace(/\/+$/, '')).digest('hex');
  const name = pathComponent(parent.name)
    .slice(0, PARENT_NAME_MAX)
    .replace(/[._-]+$/, '');
  return `${stagingUrl.replace(/\/+$/, '')}/${pathComponent(namespace)}/${name}-${source}`;
}

/**
 * Whether a chart version is one version rather than a range (`^1.0`, `~1.2`, `>=1`, `1.x`, `*`,
 * `1.0 - 2.0`, `a || b`): subcharts are staged per parent version as written, so a range would
 * stage one parent's subcharts under the name of every version it matches.
 */
export function isExactVersion(version: string): boolean {
  return version !== '' && !/[\^~<>=*|,\s]/.test(version) && !/(^|\.)[xX](\.|$)/.test(version);
}

/** A part of a staged chart's name: what both an OCI path component and a Flux chart name allow. */
function chartNamePart(raw: string): string {
  return /^[a-z0-9]+([.-][a-z0-9]+)*$/.test(raw) ? raw : toDnsLabel(raw);
}

/** The chart name a subchart is staged as below stagedRepositoryUrl (see stagedChart). */
export function stagedChartName(subchart: string, parentVersion: string | undefined): string {
  const version = parentVersion === undefined || parentVersion === '' ? 'latest' : parentVersion;
  return `${chartNamePart(subchart)}--${chartNamePart(version)}`;
}
