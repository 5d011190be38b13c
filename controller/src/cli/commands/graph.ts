import type { CommandModule } from 'yargs';
import type { GraphFormat } from '../../expand/graph-format.ts';
import type { Io } from '../io.ts';
import { FILE_ARGUMENT } from './file-argument.ts';

export interface GraphArgs {
  file: string;
  format: GraphFormat;
  type: 'forward' | 'reverse';
}

export const graphCommand = (io: Io): CommandModule<object, GraphArgs> => ({
  command: 'graph <file>',
  describe: 'Draw the release order of ApplicationGroups',
  builder: (yargs) =>
    yargs
      .positional('file', FILE_ARGUMENT)
      .option('format', {
        alias: 'f',
        choices: ['mermaid', 'dot', 'text'] as const,
        default: 'text' as const,
      })
      .option('type', { choices: ['forward', 'reverse'] as const, default: 'forward' as const }),
  handler: async (args) => {
    const { runGraph } = await import('../run.ts');
    await runGraph(args, io);
  },
});
