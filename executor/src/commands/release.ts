import type { CommandModule } from 'yargs';
import { ANY_STRING } from '../../../lib/cli.ts';
import type { ActionContext, Outcome } from '../context.ts';
import type { Run } from '../run.ts';
import { type CommonArgs, requireAllowedNamespace, withCommonOptions } from './common.ts';

export interface ReleaseArgs extends CommonArgs {
  name: string;
  namespace: string;
}

type Action = (context: ActionContext, namespace: string, name: string) => Promise<Outcome>;

/** A command that acts on one existing HelmRelease named by --name and --namespace. */
export function releaseCommand(
  command: 'probe' | 'rollback' | 'delete',
  describe: string,
  load: () => Promise<Action>,
): (run: Run) => CommandModule<object, ReleaseArgs> {
  return (run) => ({
    command,
    describe,
    builder: (yargs) =>
      withCommonOptions(
        yargs
          .option('name', { ...ANY_STRING, demandOption: true, describe: 'HelmRelease name' })
          .option('namespace', { ...ANY_STRING, demandOption: true, describe: 'HelmRelease namespace' }),
      ),
    handler: (args) =>
      run(command, args, async (context) => {
        requireAllowedNamespace(context, args.namespace);
        return (await load())(context, args.namespace, args.name);
      }),
  });
}

export const probeCommand = releaseCommand(
  'probe',
  "Wait until Flux's verdict on a HelmRelease's current generation is final",
  async () => (await import('../actions/probe.ts')).probeHelmRelease,
);

export const rollbackCommand = releaseCommand(
  'rollback',
  'Put a HelmRelease back to what the last apply replaced (delete it if it was new) and wait',
  async () => (await import('../actions/rollback.ts')).rollbackHelmRelease,
);

export const deleteCommand = releaseCommand(
  'delete',
  'Delete a HelmRelease, wait until helm-controller has uninstalled it, and drop its rollback record',
  async () => (await import('../actions/delete.ts')).uninstallHelmRelease,
);
