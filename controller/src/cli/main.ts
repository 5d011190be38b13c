import { InvalidInputError, OrkestraError } from '../../../lib/errors.ts';
import { withStdinMarker } from './load.ts';
import { buildParser, UsageError } from './orkestra.ts';

/** CLI exit codes: 0 done, 1 invalid ApplicationGroup, 2 usage or I/O error. */
async function main(argv: string[]): Promise<number> {
  try {
    await buildParser().parseAsync(withStdinMarker(argv));
    return 0;
  } catch (error) {
    if (error instanceof InvalidInputError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\nRun orkestra --help for usage.\n`);
      return 2;
    }
    const message = error instanceof OrkestraError || error instanceof Error ? error.message : String(error);
    process.stderr.write(`orkestra: ${message}\n`);
    return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));
