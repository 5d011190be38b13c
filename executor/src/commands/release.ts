import type { CommandModule } from 'yargs';
import { ANY_STRING } from '../../../lib/cli.ts';
import { InvalidInputError } from '../../../lib/errors.ts';
import type { ActionContext, Outcome } from '../context.ts';
import type { Run } from '../run.ts';
import { type CommonArgs, withCommonOptions } from './common.ts';

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
        const allowed = context.rules.allowedNamespaces;
        if (allowed && !allowed.includes(args.namespace)) {
          throw new InvalidInputError(`--namespace ${args.namespace}`, [
            {
              path: '--namespace',
              message: `namespace "${args.namespace}" is not allowed (--namespace-allow ${allowed.join(',')})`,
            },
          ]);
        }
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
