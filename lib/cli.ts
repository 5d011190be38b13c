import yargs, { type Argv } from 'yargs';

/** A command line that cannot be parsed (unknown command or flag, missing or invalid value). */
export class UsageError extends Error {}

/**
 * A string option whose value is the next argument, whatever it starts with: `-` (stdin), YAML's
 * `---`, `-1s`. By default yargs takes an argument that begins with `-` for a flag, not a value.
 */
export const ANY_STRING = { type: 'string', nargs: 1 } as const;

/**
 * yargs as both CLIs use it: strict, no process exit, usage errors thrown as UsageError; options of
 * one argument (ANY_STRING) take that argument even when it begins with `-`.
 */
export function baseParser(scriptName: string, usage: string): Argv {
  return yargs()
    .scriptName(scriptName)
    .usage(usage)
    .strict()
    .parserConfiguration({ 'nargs-eats-options': true })
    .exitProcess(false)
    .fail((message, error) => {
      // yargs' own parse errors (e.g. "Not enough arguments following") arrive as a YError.
      if (error && error.name !== 'YError') throw error;
      throw new UsageError(message ?? error?.message);
    })
    .help()
    .version(false)
    .wrap(null);
}
