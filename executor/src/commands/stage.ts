import type { CommandModule } from 'yargs';
import { ANY_STRING } from '../../../lib/cli.ts';
import { InvalidInputError } from '../../../lib/errors.ts';
import { StagingCredentialEnv } from '../../../lib/staging-auth.ts';
import type { Run } from '../run.ts';
import { type CommonArgs, requireAllowedNamespace, withCommonOptions } from './common.ts';

export interface StageArgs extends CommonArgs {
  'chart-url': string;
  'chart-name': string;
  'chart-version': string;
  subcharts: string;
  'staging-url': string;
  'staging-plain-http': string;
  'auth-secret': string;
  namespace?: string;
}

export const stageCommand = (run: Run): CommandModule<object, StageArgs> => ({
  command: 'stage',
  describe: "Push a parent chart's embedded subcharts to the staging OCI registry",
  builder: (yargs) =>
    withCommonOptions(
      yargs
        .option('chart-url', {
          ...ANY_STRING,
          demandOption: true,
          describe: "the parent chart's repository: http(s):// (index.yaml) or oci://",
        })
        .option('chart-name', { ...ANY_STRING, demandOption: true, describe: 'the parent chart' })
        .option('chart-version', {
          ...ANY_STRING,
          default: '',
          describe: 'its version or a semver range ("": the highest stable)',
        })
        .option('subcharts', {
          ...ANY_STRING,
          demandOption: true,
          describe: 'comma-separated subcharts to stage (their Chart.yaml names)',
        })
        .option('staging-url', {
          ...ANY_STRING,
          demandOption: true,
          describe: 'oci://HOST[:PORT]/PATH the subcharts are pushed below',
        })
        .option('staging-plain-http', {
          ...ANY_STRING,
          default: 'false',
          describe: 'true: the staging registry speaks plain HTTP',
        })
        .option('namespace', {
          ...ANY_STRING,
          describe:
            "whose folder of the staging registry the subcharts go to (default: in a pod its own namespace, the only one allowed; else the kubeconfig's)",
        })
        .option('auth-secret', {
          ...ANY_STRING,
          default: '',
          describe:
            'the Secret whose keys the template passes as ORKESTRA_CHART_* variables (named in errors)',
        }),
    ),
  handler: (args) =>
    run('stage', args, async (context) => {
      const plainHttp = args['staging-plain-http'];
      if (plainHttp !== 'true' && plainHttp !== 'false') {
        throw new InvalidInputError('--staging-plain-http', [
          { path: '--staging-plain-http', message: `"${plainHttp}" is neither true nor false` },
        ]);
      }
      const { chartCredentials } = await import('../stage/credentials.ts');
      const secret = args['auth-secret'];
      const found = chartCredentials(process.env, secret, args['chart-url']);
      if ('problem' in found)
        throw new InvalidInputError('--auth-secret', [{ path: '--auth-secret', message: found.problem }]);
      const { defaultNamespace } = await import('../../../lib/kube.ts');
      const namespace = args.namespace ?? context.rules.home ?? defaultNamespace(context.kube);
      requireAllowedNamespace(context, namespace);
      const username = process.env[StagingCredentialEnv.username];
      const password = process.env[StagingCredentialEnv.password];
      const { stageSubcharts } = await import('../actions/stage.ts');
      const { chartSourceGuard } = await import('../policy.ts');
      return stageSubcharts(context, await chartSourceGuard(context), {
        chartUrl: args['chart-url'],
        chartName: args['chart-name'],
        chartVersion: args['chart-version'],
        subcharts: args.subcharts
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
        stagingUrl: args['staging-url'],
        stagingPlainHttp: plainHttp === 'true',
        stagingNamespace: namespace,
        // The namespace's own (Secret orkestra-staging, filled in by the kubelet): its folder only.
        stagingCredentials: username && password ? { username, password } : undefined,
        credentials: found.credentials,
        credentialsHint:
          secret === ''
            ? '(no credentials were given: name a Secret in spec.chart.authSecretRef)'
            : `(with the credentials of Secret ${secret})`,
      });
    }),
});
