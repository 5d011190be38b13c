// Fetches a parent chart's archive, as Helm would: from an HTTP(S) chart repository (index.yaml,
// then the archive it lists, checked against the digest it gives) or from an oci:// registry.
import { parse } from 'yaml';
import { ExitCode, OrkestraError } from '../../../lib/errors.ts';
import { parseOciUrl } from '../../../lib/staging.ts';
import { ARCHIVE_LIMITS } from './chart-archive.ts';
import { pickVersion } from './chart-version.ts';
import { MediaTypes, sha256Digest, tagOf } from './helm-artifact.ts';
import {
  basicAuthorization,
  type Credentials,
  OciRegistry,
  parseJson,
  RegistryError,
} from './oci-registry.ts';
import { type RemoteContext, request } from './remote.ts';

export interface ChartLocation {
  url: string;
  name: string;
  /** '' for the highest stable version. */
  version: string;
}

export interface FetchedChart {
  archive: Buffer;
  version: string;
  /** Where it came from, for logs and the result. */
  from: string;
}

/** The repository has no such chart or version: the group's input is wrong (exit 2). */
export class ChartNotFoundError extends OrkestraError {
  constructor(message: string) {
    super('ChartNotFound', message, ExitCode.InvalidInput);
  }
}

/** The repository refused the credentials (or their absence): exit 5, like a refused permission. */
export class ChartAccessDeniedError extends OrkestraError {
  constructor(message: string) {
    super('ChartAccessDenied', message, ExitCode.PermissionDenied);
  }
}

const MAX_INDEX_BYTES = 64 * 1024 * 1024;

interface IndexEntry {
  version?: unknown;
  urls?: unknown;
  digest?: unknown;
}

export async function fetchParentChart(
  chart: ChartLocation,
  options: {
    credentials?: Credentials;
    plainHttp?: boolean;
    context: RemoteContext;
    credentialsHint: string;
  },
): Promise<FetchedChart> {
  if (chart.url.startsWith('oci://')) return fetchFromRegistry(chart, options);
  if (!/^https?:\/\//.test(chart.url))
    throw new ChartNotFoundError(
      `--chart-url "${chart.url}" is neither an http(s):// chart repository nor an oci:// registry`,
    );
  return fetchFromRepository(chart, options);
}

const basicAuth = (credentials: Credentials | undefined) =>
  credentials ? { authorization: basicAuthorization(credentials) } : undefined;

async function fetchFromRepository(
  chart: ChartLocation,
  {
    credentials,
    context,
    credentialsHint,
  }: { credentials?: Credentials; context: RemoteContext; credentialsHint: string },
): Promise<FetchedChart> {
  const base = `${chart.url.replace(/\/+$/, '')}/`;
  const indexUrl = new URL('index.yaml', base).toString();
  const index = await request(
    `GET ${indexUrl}`,
    indexUrl,
    { headers: basicAuth(credentials) },
    context,
    MAX_INDEX_BYTES,
  );
  if (index.status === 401 || index.status === 403) {
    throw new ChartAccessDeniedError(`${indexUrl} refused access (HTTP ${index.status}) ${credentialsHint}`);
  }
  if (index.status !== 200)
    throw new ChartNotFoundError(
      `${indexUrl}: HTTP ${index.status} (is ${chart.url} a Helm chart repository?)`,
    );
  let entries: IndexEntry[];
  try {
    const document = parse(index.body.toString('utf8')) as { entries?: Record<string, unknown> } | null;
    entries = (document?.entries?.[chart.name] ?? []) as IndexEntry[];
    if (!Array.isArray(entries)) throw new Error('entries is not a list');
  } catch (error) {
    throw new ChartNotFoundError(
      `${indexUrl} is not a Helm repository index (${(error as Error).message.split('\n')[0]})`,
    );
  }
  const versions = entries.map((e) => String(e.version ?? ''));
  const version = pickVersion(versions, chart.version);
  if (version === undefined) throw notFound(chart, indexUrl, versions);
  const entry = entries[versions.indexOf(version)] as IndexEntry;
  const first = Array.isArray(entry.urls) ? entry.urls[0] : undefined;
  if (typeof first !== 'string')
    throw new ChartNotFoundError(`${indexUrl}: ${chart.name} ${version} lists no URL`);
  const archiveUrl = new URL(first, base);
  // Helm sends the repository's credentials to the archive only on the repository's own host.
  const sameOrigin = archiveUrl.origin === new URL(base).origin;
  const what = `GET ${archiveUrl.origin}${archiveUrl.pathname}`;
  const download = await request(
    what,
    archiveUrl.toString(),
    { headers: sameOrigin ? basicAuth(credentials) : undefined },
    context,
    ARCHIVE_LIMITS.maxArchiveBytes,
  );
  if (download.status === 401 || download.status === 403) {
    throw new ChartAccessDeniedError(`${what} refused access (HTTP ${download.status}) ${credentialsHint}`);
  }
  if (download.status !== 200) throw new ChartNotFoundError(`${what}: HTTP ${download.status}`);
  const digest = typeof entry.digest === 'string' ? entry.digest : '';
  if (digest !== '' && `sha256:${digest}` !== sha256Digest(download.body)) {
    throw new OrkestraError(
      'InvalidChart',
      `${what}: the archive does not match the digest in ${indexUrl}`,
      ExitCode.InvalidInput,
    );
  }
  return { archive: download.body, version, from: archiveUrl.toString() };
}

function notFound(chart: ChartLocation, where: string, versions: string[]): ChartNotFoundError {
  if (versions.length === 0) return new ChartNotFoundError(`${where} has no chart named ${chart.name}`);
  const listed = versions.slice(0, 10).join(', ') + (versions.length > 10 ? ', …' : '');
  const wanted = chart.version === '' ? 'a stable version' : `version ${chart.version}`;
  return new ChartNotFoundError(`${where} has no ${wanted} of ${chart.name} (it has ${listed})`);
}

async function fetchFromRegistry(
  chart: ChartLocation,
  {
    credentials,
    plainHttp = false,
    context,
    credentialsHint,
  }: { credentials?: Credentials; plainHttp?: boolean; context: RemoteContext; credentialsHint: string },
): Promise<FetchedChart> {
  const location = parseOciUrl(chart.url);
  if ('problem' in location) throw new ChartNotFoundError(`--chart-url ${location.problem}`);
  const repository = [location.path, chart.name].filter(Boolean).join('/');
  const where = `oci://${location.registry}/${repository}`;
  const registry = new OciRegistry(location.registry, { plainHttp, credentials, context });
  const denied = (error: unknown) => {
    if (error instanceof RegistryError && error.denied)
      throw new ChartAccessDeniedError(`${error.message} ${credentialsHint}`);
    throw error;
  };
  let tag = tagOf(chart.version);
  if (!/^\d+\.\d+\.\d+/.test(chart.version)) {
    // No version, or a range: Helm lists the tags (`_` for `+`) and picks.
    const versions = (await registry.tags(repository).catch(denied)).map((t) => t.replaceAll('_', '+'));
    const version = pickVersion(versions, chart.version);
    if (version === undefined) throw notFound(chart, where, versions);
    tag = tagOf(version);
  }
  const manifestBytes = await registry.manifest(repository, tag).catch(denied);
  if (!manifestBytes) {
    const versions = (await registry.tags(repository).catch(denied)).map((t) => t.replaceAll('_', '+'));
    throw notFound(chart, where, versions);
  }
  const manifest = parseJson<{ layers?: Array<{ mediaType?: string; digest?: string }> }>(
    `${where}:${tag}`,
    manifestBytes,
  );
  const layer = manifest.layers?.find(
    (l) => l.mediaType === MediaTypes.helmChart || l.mediaType === MediaTypes.legacyHelmChart,
  );
  if (!layer?.digest)
    throw new OrkestraError(
      'InvalidChart',
      `${where}:${tag} is not a Helm chart (no chart layer)`,
      ExitCode.InvalidInput,
    );
  const archive = await registry.blob(repository, layer.digest, ARCHIVE_LIMITS.maxArchiveBytes).catch(denied);
  return { archive, version: tag.replaceAll('_', '+'), from: `${where}:${tag}` };
}
