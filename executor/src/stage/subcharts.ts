// PURE: the subcharts embedded in a parent chart (its charts/ folder, as folders or archives), found
// by the name in their own Chart.yaml as Helm does, and the ones a group names picked out of them.
import { parse } from 'yaml';
import {
  ARCHIVE_LIMITS,
  type ArchiveLimits,
  type Budget,
  ChartArchiveError,
  type ChartFiles,
  readChartArchive,
} from './chart-archive.ts';

/** Chart.yaml as a JSON object (Helm's OCI config is exactly this), with the two fields staging needs. */
export interface ChartMetadata {
  name: string;
  version: string;
  [field: string]: unknown;
}

export interface EmbeddedChart {
  metadata: ChartMetadata;
  chart: ChartFiles;
  /** Where it is in the parent: `charts/<folder>` or `charts/<file>.tgz`. */
  path: string;
}

/** SemVer 2 as Helm's OCI tag listing accepts it (Masterminds StrictNewVersion: no `v`, all three numbers). */
const STRICT_SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;
/** A path component of an OCI repository name (distribution-spec). */
export const OCI_PATH_COMPONENT = /^[a-z0-9]+([._-][a-z0-9]+)*$/;

/** A chart's Chart.yaml, with a name and a version; `where` names the chart in errors. */
export function chartMetadata(chart: ChartFiles, where: string): ChartMetadata {
  let document: unknown;
  try {
    document = parse((chart.files.get('Chart.yaml') as Buffer).toString('utf8'));
  } catch (error) {
    throw new ChartArchiveError(
      `${where}/Chart.yaml is not YAML (${(error as Error).message.split('\n')[0]})`,
    );
  }
  const metadata = document as Partial<ChartMetadata> | null;
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) {
    throw new ChartArchiveError(`${where}/Chart.yaml is not a mapping`);
  }
  for (const field of ['name', 'version'] as const) {
    const value = metadata[field];
    if (typeof value !== 'string' || value === '') {
      throw new ChartArchiveError(`${where}/Chart.yaml has no ${field}`);
    }
  }
  return metadata as ChartMetadata;
}

/** The folder `prefix` of a chart as a chart of its own (root: its last path segment). */
function folderChart(parent: ChartFiles, prefix: string): ChartFiles {
  const files = new Map<string, Buffer>();
  for (const [path, data] of parent.files) {
    if (path.startsWith(`${prefix}/`)) files.set(path.slice(prefix.length + 1), data);
  }
  return { root: prefix.slice(prefix.lastIndexOf('/') + 1), files };
}

/**
 * Every chart directly in the parent's charts/: a folder with a Chart.yaml or a .tgz archive (read
 * with the same checks as the parent). Keyed by the name in its Chart.yaml.
 */
export async function embeddedCharts(
  parent: ChartFiles,
  limits: ArchiveLimits = ARCHIVE_LIMITS,
  /** What is left after reading the parent: its embedded archives share it. */
  budget: Budget = { bytes: limits.maxTotalBytes },
): Promise<Map<string, EmbeddedChart>> {
  const found = new Map<string, EmbeddedChart>();
  const add = (embedded: EmbeddedChart) => {
    const other = found.get(embedded.metadata.name);
    if (other) {
      throw new ChartArchiveError(
        `${parent.root}/${other.path} and ${parent.root}/${embedded.path} are both a chart named ${embedded.metadata.name}`,
      );
    }
    found.set(embedded.metadata.name, embedded);
  };
  const paths = [...parent.files.keys()].sort();
  for (const path of paths) {
    // As Helm's loader: entries of charts/ whose names begin with `_` or `.` are not charts.
    const folder = /^charts\/([^/_.][^/]*)\/Chart\.yaml$/.exec(path)?.[1];
    if (folder !== undefined) {
      const chart = folderChart(parent, `charts/${folder}`);
      add({
        metadata: chartMetadata(chart, `${parent.root}/charts/${folder}`),
        chart,
        path: `charts/${folder}`,
      });
    } else if (/^charts\/[^/_.][^/]*\.tgz$/.test(path)) {
      const where = `${parent.root}/${path}`;
      let chart: ChartFiles;
      try {
        chart = await readChartArchive(parent.files.get(path) as Buffer, limits, budget);
      } catch (error) {
        if (error instanceof ChartArchiveError) throw new ChartArchiveError(`${where}: ${error.message}`);
        throw error;
      }
      add({ metadata: chartMetadata(chart, where), chart, path });
    }
  }
  return found;
}

/** Why a subchart cannot be staged to OCI and installed by Flux from there, if it cannot. */
export function unstageableReason(metadata: ChartMetadata): string | undefined {
  if (!OCI_PATH_COMPONENT.test(metadata.name)) {
    return `its name "${metadata.name}" cannot be an OCI repository name (lowercase letters, digits, and . _ - between them)`;
  }
  if (!STRICT_SEMVER.test(metadata.version)) {
    return `its version "${metadata.version}" is not a semantic version x.y.z, so Flux cannot select it from an OCI repository`;
  }
  return undefined;
}

/** The subcharts named, in the order given; each one missing is named with the ones that exist. */
export function pickSubcharts(
  available: ReadonlyMap<string, EmbeddedChart>,
  wanted: readonly string[],
): { picked: EmbeddedChart[] } | { missing: string[]; existing: string[] } {
  const missing = wanted.filter((name) => !available.has(name));
  if (missing.length > 0) return { missing, existing: [...available.keys()].sort() };
  return { picked: wanted.map((name) => available.get(name) as EmbeddedChart) };
}
