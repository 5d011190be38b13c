// orkestra-staging-auth: the token server beside the staging registry (a container of its pod,
// chart/orkestra/templates/staging-registry.yaml). It reads the key material the chart generated
// and serves /token until SIGTERM.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ANY_STRING, baseParser, UsageError } from '../../../lib/cli.ts';
import { createLogger } from '../../../lib/log.ts';
import { StagingAuthKeys } from '../../../lib/staging-auth.ts';
import { probe, serveHttp } from '../runtime/http-server.ts';
import { tokenRoute } from './token-route.ts';

interface Args {
  address: string;
  'key-dir': string;
  'staging-path': string;
}

async function run(args: Args): Promise<void> {
  const log = createLogger('json', { component: 'orkestra-staging-auth' });
  const read = (key: string) => readFileSync(join(args['key-dir'], key), 'utf8');
  const keys = {
    credentialKey: read(StagingAuthKeys.credentialKey).trim(),
    signingKeyPem: read(StagingAuthKeys.signingKey),
    certificatePem: read(StagingAuthKeys.certificate),
  };
  const server = await serveHttp(args.address, {
    '/token': tokenRoute(keys, args['staging-path'].replace(/^\/+|\/+$/g, ''), (message, fields) =>
      log.info(message, fields),
    ),
    '/healthz': probe(() => true),
  });
  log.info('Serving tokens for the staging registry', { address: args.address, port: server.port });
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await server.close();
}

try {
  await baseParser(
    'orkestra-staging-auth',
    '$0 [options]\n\nHands out tokens for the staging registry, each namespace for its own folder.',
  )
    .option('address', { ...ANY_STRING, default: '0.0.0.0:5001', describe: 'host:port to serve /token on' })
    .option('key-dir', {
      ...ANY_STRING,
      demandOption: true,
      describe: `folder with the chart's generated ${Object.values(StagingAuthKeys).join(', ')}`,
    })
    .option('staging-path', {
      ...ANY_STRING,
      default: 'staging',
      describe: 'the path below the registry that namespaces’ folders are in',
    })
    .command('$0', false, {}, (args) => run(args as unknown as Args))
    .parseAsync(process.argv.slice(2));
  process.exitCode = 0;
} catch (error) {
  process.stderr.write(`orkestra-staging-auth: ${(error as Error)?.message ?? error}\n`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
}
process.exit();
