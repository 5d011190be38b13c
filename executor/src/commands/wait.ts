import type { CommandModule } from 'yargs';
import { ANY_STRING } from '../../../lib/cli.ts';
import type { Run } from '../run.ts';
import { type CommonArgs, requireAllowedNamespace, withCommonOptions } from './common.ts';

export interface WaitArgs extends CommonArgs {
  workflow: string;
  namespace: string;
  node: string;
  scope: string;
}

export const waitCommand = (run: Run): CommandModule<object, WaitArgs> => ({
  command: 'wait',
  describe:
    'Wait until a node of a Workflow has succeeded: a dependency across the parts of a split DAG (fails when it failed or was not run)',
  builder: (yargs) =>
    withCommonOptions(
      yargs
        .option('workflow', { ...ANY_STRING, demandOption: true, describe: 'Workflow name' })
        .option('namespace', { ...ANY_STRING, demandOption: true, describe: 'Workflow namespace' })
        .option('node', {
          ...ANY_STRING,
          demandOption: true,
          describe: "the node's name (<workflow>.<task>…)",
        })
        .option('scope', {
          ...ANY_STRING,
          demandOption: true,
          describe: 'the DAG node the node runs in: when it ends without the node, the node was not run',
        }),
    ),
  handler: (args) =>
    run('wait', args, async (context) => {
      requireAllowedNamespace(context, args.namespace);
      const { waitForNode } = await import('../actions/wait.ts');
      return waitForNode(context, args);
    }),
});
