// orkestra-controller: the only place that exits. SIGTERM/SIGINT stop it after the running passes.
import { UsageError } from '../../lib/cli.ts';
import { durationSeconds } from '../../lib/duration.ts';
import { createLogger } from '../../lib/log.ts';
import { EXECUTOR_SERVICE_ACCOUNT } from '../../lib/wire-names.ts';
import { type ControllerArgs, controllerParser } from './controller-cli.ts';

async function run(args: ControllerArgs): Promise<void> {
  const log = createLogger(args['log-format'], { component: 'orkestra-controller' });
  const { loadKubeConfig } = await import('../../lib/kube.ts');
  const { startController } = await import('./controller.ts');
  const { probe, serveHttp } = await import('./runtime/http-server.ts');
  let controller: Awaited<ReturnType<typeof startController>> | undefined;
  const http = await serveHttp(args['health-address'], {
    '/healthz': probe(() => true),
    '/readyz': probe(() => controller?.synced() ?? false),
  });
  log.info('Serving health probes', { address: args['health-address'], port: http.port });
  controller = await startController({
    kube: loadKubeConfig(args.kubeconfig),
    namespaces: args.namespaces
      ?.split(',')
      .map((n) => n.trim())
      .filter(Boolean),
    render: {
      templateName: args['template-name'],
      clusterScope: args['cluster-scope'],
      stagingUrl: args['staging-url'],
      serviceAccountName: EXECUTOR_SERVICE_ACCOUNT,
    },
    manageExecutorAccess: args['manage-executor-rbac'],
    concurrency: args.concurrency,
    resyncMs: durationSeconds(args.resync) * 1000,
    log,
  });
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  log.info('Stopping');
  await controller.stop();
  await http.close();
}

try {
  await controllerParser(run).parseAsync(process.argv.slice(2));
  process.exitCode = 0;
} catch (error) {
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message}\nRun orkestra-controller --help for usage.\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`orkestra-controller: ${(error as Error)?.stack ?? error}\n`);
    process.exitCode = 1;
  }
}
process.exit();
