// orkestra-executor: the only place that exits. SIGTERM (Argo stop) aborts the running action,
// which ends promptly with exit code 143.
import { ExitCode } from '../../lib/errors.ts';
import { buildParser, UsageError } from './cli.ts';
import { exitCodeOf, makeRun, type RunResult } from './run.ts';

async function main(argv: string[]): Promise<number> {
  const terminate = new AbortController();
  process.once('SIGTERM', () => terminate.abort());
  const results: RunResult = {};
  try {
    await buildParser(makeRun(terminate.signal, results), terminate.signal).parseAsync(argv);
  } catch (error) {
    process.stderr.write(
      `${(error as Error).message}\n${error instanceof UsageError ? 'Run orkestra-executor --help for usage.\n' : ''}`,
    );
    return ExitCode.InvalidInput;
  }
  return exitCodeOf(results.error);
}

process.exitCode = await main(process.argv.slice(2));
// Open watches must not keep a finished step alive.
process.exit();
