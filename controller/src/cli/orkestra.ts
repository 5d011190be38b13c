import yargs, { type Argv } from 'yargs';
import { graphCommand } from './commands/graph.ts';
import { renderCommand } from './commands/render.ts';
import { validateCommand } from './commands/validate.ts';
import { type Io, processIo } from './io.ts';

/** The `orkestra` CLI's parser; tests call `buildParser(io).parseAsync('render file.yaml')`. */
export function buildParser(io: Io = processIo): Argv {
  return yargs()
    .scriptName('orkestra')
    .usage('$0 <command>\n\nRender, validate and graph Orkestra ApplicationGroups offline.')
    .command(renderCommand(io))
    .command(validateCommand(io))
    .command(graphCommand(io))
    .demandCommand(1, 'Name a command.')
    .strict()
    .exitProcess(false)
    .fail((message, error) => {
      throw error ?? new UsageError(message);
    })
    .help()
    .version(false)
    .wrap(null);
}

export class UsageError extends Error {}
