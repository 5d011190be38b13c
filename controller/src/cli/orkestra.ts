import type { Argv } from 'yargs';
import { baseParser } from '../../../lib/cli.ts';
import { graphCommand } from './commands/graph.ts';
import { renderCommand } from './commands/render.ts';
import { validateCommand } from './commands/validate.ts';
import { type Io, processIo } from './io.ts';

export { UsageError } from '../../../lib/cli.ts';

/** The `orkestra` CLI's parser; tests call `buildParser(io).parseAsync('render file.yaml')`. */
export function buildParser(io: Io = processIo): Argv {
  return baseParser(
    'orkestra',
    '$0 <command>\n\nRender, validate and graph Orkestra ApplicationGroups offline.',
  )
    .command(renderCommand(io))
    .command(validateCommand(io))
    .command(graphCommand(io))
    .demandCommand(1, 'Name a command.');
}
