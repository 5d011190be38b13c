// `stage`: the parent chart fetched, its named subcharts checked and packaged, then pushed to the
// staging OCI registry — every check before the first push, so bad input pushes nothing.
import { ExitCode, InvalidInputError, OrkestraError, type Problem } from '../../../lib/errors.ts';
import { isExactVersion, parseOciUrl, stagedChartName, stagedRepositoryUrl } from '../../../lib/staging.ts';
import type { Outcome, StagedChart } from '../context.ts';
import {
  ARCHIVE_LIMITS,
  ChartArchiveError,
  readChartArchive,
  writeChartArchive,
} from '../stage/chart-archive.ts';
import { chartArtifact } from '../stage/helm-artifact.ts';
import { type Credentials, OciRegistry, RegistryError } from '../stage/oci-registry.ts';
import { fetchParentChart } from '../stage/parent-chart.ts';
import { type RemoteContext, TooLargeError } from '../stage/remote.ts';
import { type EmbeddedChart, embeddedCharts, pickSubcharts, unstageableReason } from '../stage/subcharts.ts';

export interface StageParameters {
  chartUrl: string;
  chartName: string;
  /** '' for the highest stable version. */
  chartVersion: string;
  subcharts: string[];
  stagingUrl: string;
  stagingPlainHttp: boolean;
  /** Whose folder of the staging registry the subcharts go to. */
  stagingNamespace: string;
  /** For the staging registry: the namespace's own. */
  stagingCredentials?: Credentials;
  /** For the parent chart's repository. */
  credentials?: Credentials;
  /** Where the credentials come from, said when the repository refuses them. */
  credentialsHint: string;
  /** Test seam: the parent chart's registry speaks plain HTTP (the template never sets it). */
  chartPlainHttp?: boolean;
}

/** The checks no network call is needed for: every problem with the flags, at once. */
function checkParameters(parameters: StageParameters): Problem[] {
  const problems: Problem[] = [];
  const staging = parseOciUrl(parameters.stagingUrl);
  if ('problem' in staging) problems.push({ path: '--staging-url', message: staging.problem });
  if (parameters.subcharts.length === 0) problems.push({ path: '--subcharts', message: 'names no subchart' });
  const twice = parameters.subcharts.filter((name, i) => parameters.subcharts.indexOf(name) !== i);
  if (twice.length > 0)
    problems.push({ path: '--subcharts', message: `names ${[...new Set(twice)].join(', ')} twice` });
  if (!isExactVersion(parameters.chartVersion)) {
    problems.push({
      path: '--chart-version',
      message: `"${parameters.chartVersion}" is not one version: subcharts are staged per version of their parent`,
    });
  }
  if (parameters.chartName === '' || parameters.chartName.includes('/')) {
    problems.push({ path: '--chart-name', message: `"${parameters.chartName}" is not a chart name` });
  }
  return problems;
}

/** A chart that cannot be read is the input's fault (exit 2), named with where it came from. */
function invalidChart(where: string, error: unknown): never {
  if (error instanceof ChartArchiveError || error instanceof TooLargeError) {
    throw new OrkestraError('InvalidChart', `${where}: ${error.message}`, ExitCode.InvalidInput, {
      cause: error,
    });
  }
  throw error;
}

/** The registry refused a push: exit 5 when it refused who we are (401/403), else 1. */
function pushRefused(error: unknown): never {
  if (error instanceof RegistryError) {
    throw new OrkestraError(
      'PushRefused',
      `the staging registry refused ${error.message}${error.denied ? " (a namespace's stage steps push with its Secret orkestra-staging, into its own folder only)" : ''}`,
      error.denied ? ExitCode.PermissionDenied : ExitCode.ReleaseFailed,
      { cause: error },
    );
  }
  throw error;
}

export async function stageSubcharts(
  context: RemoteContext,
  /** Checks each URL the parent chart is fetched from (the policy's addresses); none at a terminal. */
  guard: RemoteContext['guard'],
  parameters: StageParameters,
): Promise<Outcome> {
  const problems = checkParameters(parameters);
  if (problems.length > 0) throw new InvalidInputError('stage', problems);
  const { log } = context;
  const parent = await fetchParentChart(
    { url: parameters.chartUrl, name: parameters.chartName, version: parameters.chartVersion },
    {
      credentials: parameters.credentials,
      plainHttp: parameters.chartPlainHttp,
      context: { ...context, guard },
      credentialsHint: parameters.credentialsHint,
    },
  ).catch((error) => invalidChart(`chart ${parameters.chartName}`, error));
  const where = `chart ${parameters.chartName} ${parent.version}`;
  log.info('Fetched the parent chart', {
    chart: parameters.chartName,
    version: parent.version,
    from: parent.from,
  });

  const budget = { bytes: ARCHIVE_LIMITS.maxTotalBytes };
  const files = await readChartArchive(parent.archive, ARCHIVE_LIMITS, budget).catch((error) =>
    invalidChart(where, error),
  );
  const embedded = await embeddedCharts(files, ARCHIVE_LIMITS, budget).catch((error) =>
    invalidChart(where, error),
  );
  const picked = pickSubcharts(embedded, parameters.subcharts);
  if ('missing' in picked) {
    const existing = picked.existing.length > 0 ? picked.existing.join(', ') : 'none';
    throw new InvalidInputError(
      '--subcharts',
      picked.missing.map((name) => ({
        path: '--subcharts',
        message: `${where} has no subchart ${name} (its subcharts: ${existing})`,
      })),
    );
  }
  // Archives embedded in the subcharts are pushed with them: checked like the parent's, within its budget.
  for (const sub of picked.picked) {
    await embeddedCharts(sub.chart, ARCHIVE_LIMITS, budget).catch((error) =>
      invalidChart(`${where}, subchart ${sub.metadata.name}`, error),
    );
  }
  const unstageable = picked.picked.flatMap((sub) => {
    const reason = unstageableReason(sub.metadata);
    return reason
      ? [{ path: '--subcharts', message: `subchart ${sub.metadata.name} of ${where}: ${reason}` }]
      : [];
  });
  if (unstageable.length > 0) throw new InvalidInputError('--subcharts', unstageable);

  const folder = stagedRepositoryUrl(parameters.stagingUrl, parameters.stagingNamespace, {
    url: parameters.chartUrl,
    name: parameters.chartName,
  });
  const staging = parseOciUrl(folder);
  if ('problem' in staging)
    throw new InvalidInputError('--staging-url', [{ path: '--staging-url', message: staging.problem }]);
  const registry = new OciRegistry(staging.registry, {
    plainHttp: parameters.stagingPlainHttp,
    credentials: parameters.stagingCredentials,
    context,
  });
  const staged: StagedChart[] = [];
  for (const sub of picked.picked) {
    const repository = `${staging.path}/${stagedChartName(sub.metadata.name, parameters.chartVersion)}`;
    staged.push(await stageOne(registry, repository, sub).catch(pushRefused));
  }
  for (const chart of staged)
    log.info(chart.changed ? 'Staged a subchart' : 'Subchart already staged', { ...chart });
  const pushed = staged.filter((s) => s.changed).length;
  return {
    action: 'stage',
    phase: 'Succeeded',
    reason: 'Staged',
    message: `${staged.length} subcharts of ${where} staged to ${folder} (${pushed} pushed, ${staged.length - pushed} already there)`,
    chartVersion: parent.version,
    staged,
  };
}

/** Pushes one subchart unless its tag already points to the same manifest. */
async function stageOne(registry: OciRegistry, repository: string, sub: EmbeddedChart): Promise<StagedChart> {
  const { name, version } = sub.metadata;
  const archive = await writeChartArchive({ root: name, files: sub.chart.files });
  const artifact = chartArtifact(sub.metadata, archive);
  const reference = `oci://${registry.registry}/${repository}:${artifact.tag}`;
  const result = { name, version, reference, digest: artifact.manifest.digest };
  if ((await registry.manifestDigest(repository, artifact.tag)) === artifact.manifest.digest)
    return { ...result, changed: false };
  await registry.pushBlob(repository, artifact.config);
  await registry.pushBlob(repository, artifact.layer);
  await registry.putManifest(repository, artifact.tag, artifact.manifest);
  return { ...result, changed: true };
}
