import type { CommandModule } from 'yargs';
import { ANY_STRING } from '../../../lib/cli.ts';
import type { Run } from '../run.ts';
import { type CommonArgs, withCommonOptions } from './common.ts';

export interface ApplyArgs extends CommonArgs {
  helmrelease: string;
  source?: string;
  'chart-version': string;
}

export const applyCommand = (run: Run): CommandModule<object, ApplyArgs> => ({
  command: 'apply',
  describe: 'Apply a HelmRelease (and its source) and wait until Flux has released it',
  builder: (yargs) =>
    withCommonOptions(
      yargs
        .option('helmrelease', {
          ...ANY_STRING,
          demandOption: true,
          describe:
            'HelmRelease (helm.toolkit.fluxcd.io/v2): a file, - for stdin, YAML/JSON, or configmap:NS/NAME/KEY',
        })
        .option('source', {
          ...ANY_STRING,
          describe: 'HelmRepository or OCIRepository (source.toolkit.fluxcd.io/v1), given the same ways',
        })
        .option('chart-version', {
          ...ANY_STRING,
          default: '',
          describe:
            'an exact version to set spec.chart.spec.version to (a staged subchart: the version the stage step pushed); "" leaves it',
        }),
    ),
  handler: (args) =>
    run('apply', args, async (context) => {
      const { applyHelmRelease } = await import('../actions/apply.ts');
      return applyHelmRelease(context, {
        helmrelease: args.helmrelease,
        source: args.source,
        chartVersion: args['chart-version'],
      });
    }),
});
