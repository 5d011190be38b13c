import type { CommandModule } from 'yargs';
import { ANY_STRING } from '../../../lib/cli.ts';
import type { ActionContext, Outcome } from '../context.ts';
import type { Run } from '../run.ts';
import { type CommonArgs, requireAllowedNamespace, withCommonOptions } from './common.ts';

export interface ReleaseArgs extends CommonArgs {
  name: string;
  namespace: string;
  owner?: string;
}

type Action = (
  context: ActionContext,
  namespace: string,
  name: string,
  owner: string | undefined,
) => Promise<Outcome>;

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
          .option('namespace', { ...ANY_STRING, demandOption: true, describe: 'HelmRelease namespace' })
          .option('owner', {
            ...ANY_STRING,
            describe:
              'uid of the ApplicationGroup the HelmRelease belongs to: one of another owner is left alone (default: none, a hand-written one)',
          }),
      ),
    handler: (args) =>
      run(command, args, async (context) => {
        requireAllowedNamespace(context, args.namespace);
        return (await load())(context, args.namespace, args.name, args.owner || undefined);
      }),
  });
}

export const probeCommand = releaseCommand(
  'probe',
  "Wait until Flux's verdict on a HelmRelease's current generation is final",
  async () => {
    const { probeHelmRelease } = await import('../actions/probe.ts');
    return (context, namespace, name) => probeHelmRelease(context, namespace, name);
  },
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
