import type { Argv } from 'yargs';
import { baseParser } from '../../lib/cli.ts';
import { applyCommand } from './commands/apply.ts';
import { pluginCommand } from './commands/plugin.ts';
import { deleteCommand, probeCommand, rollbackCommand } from './commands/release.ts';
import { stageCommand } from './commands/stage.ts';
import { waitCommand } from './commands/wait.ts';
import type { Run } from './run.ts';

export { UsageError } from '../../lib/cli.ts';

/**
 * The orkestra-executor parser; tests call `buildParser(run).parseAsync([...])`. With `stopped`
 * (the process's SIGTERM), also the long-running `plugin` command; the plugin's own steps are
 * parsed without it.
 */
export function buildParser(run: Run, stopped?: AbortSignal): Argv {
  const parser = baseParser(
    'orkestra-executor',
    '$0 <action> [options]\n\nApplies and watches Flux HelmReleases, stages subcharts, waits on Workflow nodes; the exit code tells the outcome:\n' +
      '0 succeeded · 1 release failed · 2 invalid input · 3 timed out · 4 cluster unreachable · ' +
      '5 permission denied · 70 internal error (a bug) · 143 terminated',
  )
    .command(applyCommand(run))
    .command(probeCommand(run))
    .command(rollbackCommand(run))
    .command(deleteCommand(run))
    .command(stageCommand(run))
    .command(waitCommand(run))
    .demandCommand(1, 'Name an action.');
  return stopped ? parser.command(pluginCommand(stopped)) : parser;
}
