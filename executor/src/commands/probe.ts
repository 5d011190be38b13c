import type { CommandModule } from 'yargs';
import type { Run } from '../run.ts';
import { type CommonArgs, withCommonOptions } from './common.ts';

export interface ProbeArgs extends CommonArgs {
  name: string;
  namespace: string;
}

export const probeCommand = (run: Run): CommandModule<object, ProbeArgs> => ({
  command: 'probe',
  describe: "Wait until Flux's verdict on a HelmRelease's current generation is final",
  builder: (yargs) =>
    withCommonOptions(
      yargs
        .option('name', { type: 'string', demandOption: true, describe: 'HelmRelease name' })
        .option('namespace', { type: 'string', demandOption: true, describe: 'HelmRelease namespace' }),
    ),
  handler: (args) =>
    run('probe', args, async (context) => {
      const { probeHelmRelease } = await import('../actions/probe.ts');
      return probeHelmRelease(context, args.namespace, args.name);
    }),
});
