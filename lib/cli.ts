import yargs, { type Argv } from 'yargs';

/** A command line that cannot be parsed (unknown command or flag, missing or invalid value). */
export class UsageError extends Error {}

/** yargs as both CLIs use it: strict, no process exit, usage errors thrown as UsageError. */
export function baseParser(scriptName: string, usage: string): Argv {
  return yargs()
    .scriptName(scriptName)
    .usage(usage)
    .strict()
    .exitProcess(false)
    .fail((message, error) => {
      throw error ?? new UsageError(message);
    })
    .help()
    .version(false)
    .wrap(null);
}
