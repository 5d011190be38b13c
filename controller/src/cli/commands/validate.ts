import type { CommandModule } from 'yargs';
import type { Io } from '../io.ts';
import { FILE_ARGUMENT } from './file-argument.ts';

export interface ValidateArgs {
  file: string;
}

export const validateCommand = (io: Io): CommandModule<object, ValidateArgs> => ({
  command: 'validate <file>',
  describe: 'Check ApplicationGroups; exit 1 listing every problem',
  builder: (yargs) => yargs.positional('file', FILE_ARGUMENT),
  handler: async (args) => {
    const { runValidate } = await import('../run.ts');
    await runValidate(args, io);
  },
});
