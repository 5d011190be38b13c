import type { CommandModule } from 'yargs';
import type { Io } from '../io.ts';

export interface ValidateArgs {
  file: string;
}

export const validateCommand = (io: Io): CommandModule<object, ValidateArgs> => ({
  command: 'validate <file>',
  describe: 'Check ApplicationGroups; exit 1 listing every problem',
  builder: (yargs) =>
    yargs.positional('file', {
      type: 'string',
      demandOption: true,
      describe: 'YAML file with ApplicationGroups, - for stdin',
    }),
  handler: async (args) => {
    const { runValidate } = await import('../run.ts');
    await runValidate(args, io);
  },
});
