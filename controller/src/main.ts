// orkestra-controller: the only place that exits. With leader election, it waits until it holds
// the Lease before it reconciles anything; it stops (exit 1, to be restarted) if it loses the Lease.
// SIGTERM/SIGINT stop it after the running passes and give the Lease up.
import { readFileSync } from 'node:fs';
import { UsageError } from '../../lib/cli.ts';
import { durationSeconds } from '../../lib/duration.ts';
import { type PluginResources, parsePluginResources } from '../../lib/executor-plugin.ts';
import { createLogger } from '../../lib/log.ts';
import { STAGING_SECRET } from '../../lib/staging-auth.ts';
import { EXECUTOR_SERVICE_ACCOUNT, PLUGIN_TEMPLATE_NAME, TEMPLATE_NAME } from '../../lib/wire-names.ts';
import { type ControllerArgs, controllerParser } from './controller-cli.ts';

async function run(args: ControllerArgs): Promise<void> {
  const log = createLogger(args['log-format'], { component: 'orkestra-controller' });
  log.level = args['log-level'];
  const { defaultNamespace, loadKubeConfig } = await import('../../lib/kube.ts');
  const { startController } = await import('./controller.ts');
  const { probe, serveHttp } = await import('./runtime/http-server.ts');
  const { controllerMetrics } = await import('./runtime/metrics.ts');
  const { becomeLeader } = await import('./runtime/leader-election.ts');

  const kube = loadKubeConfig(args.kubeconfig);
  const stopping = new AbortController();
  const stopped = new Promise<'stop'>((resolve) => {
    const stop = () => {
      stopping.abort();
      resolve('stop');
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });

  let controller: Awaited<ReturnType<typeof startController>> | undefined;
  const metrics = controllerMetrics(() => controller?.groups() ?? []);
  // A standby (waiting for the Lease) is ready: it serves its purpose by waiting.
  const ready = () => (controller ? controller.synced() : args['leader-elect']);
  const http = await serveHttp(args['health-address'], {
    '/healthz': probe(() => true),
    '/readyz': probe(ready),
  });
  log.info('Serving health probes', { address: args['health-address'], port: http.port });
  const metricsHttp = args['metrics-address']
    ? await serveHttp(args['metrics-address'], {
        '/metrics': async (_request, response) => {
          response
            .writeHead(200, { 'content-type': metrics.registry.contentType })
            .end(await metrics.registry.metrics());
          return true;
        },
      })
    : undefined;
  if (metricsHttp) log.info('Serving metrics', { address: args['metrics-address'], port: metricsHttp.port });
  const close = async () => {
    await http.close();
    await metricsHttp?.close();
  };

  let leadership: Awaited<ReturnType<typeof becomeLeader>> | undefined;
  if (args['leader-elect']) {
    try {
      leadership = await becomeLeader({
        kube,
        namespace: args['leader-election-namespace'] ?? process.env.POD_NAMESPACE ?? defaultNamespace(kube),
        name: args['leader-election-id'],
        log,
        signal: stopping.signal,
      });
    } catch (error) {
      if (!stopping.signal.aborted) throw error;
      await close();
      return;
    }
  }
  const keyFile = args['staging-credential-key-file'];
  const stagingCredentialKey = keyFile ? readFileSync(keyFile, 'utf8').trim() : undefined;
  if (keyFile && !stagingCredentialKey)
    throw new UsageError(`--staging-credential-key-file ${keyFile} is empty`);
  controller = await startController({
    kube,
    namespaces: args.namespaces
      ?.split(',')
      .map((n) => n.trim())
      .filter(Boolean),
    render: {
      templateName:
        args['template-name'] ?? (args.executor === 'plugin' ? PLUGIN_TEMPLATE_NAME : TEMPLATE_NAME),
      clusterScope: args['cluster-scope'],
      stagingUrl: args['staging-url'],
      stagingPlainHttp: args['staging-plain-http'],
      stagingSecret: stagingCredentialKey ? STAGING_SECRET : '',
      serviceAccountName: EXECUTOR_SERVICE_ACCOUNT,
      dagTaskLimit: args['dag-task-limit'],
      argoInstanceId: args['argo-instance-id'],
    },
    stepsArePods: args.executor === 'pod',
    manageExecutorAccess: args['manage-executor-rbac'],
    releaseClusterRole: args['release-cluster-role'] || undefined,
    stagingCredentialKey,
    executorPlugin:
      args.executor === 'plugin'
        ? {
            image: args['executor-image'] as string,
            resources: parsePluginResources(args['executor-plugin-resources']) as PluginResources,
            fluxShard: args['flux-shard'],
          }
        : undefined,
    defaultRemediation: args['default-remediation'],
    watchLabelSelector: args['watch-label-selector'],
    failpoints: process.env.ORKESTRA_FAILPOINTS?.split(',').filter(Boolean),
    concurrency: args.concurrency,
    resyncMs: durationSeconds(args.resync) * 1000,
    metrics,
    log,
  });
  const why = await Promise.race([
    stopped,
    leadership?.lost.then(() => 'lost' as const) ?? new Promise<never>(() => {}),
  ]);
  if (why === 'lost') {
    // Another replica may lead already: not one more pass, not even to finish the running ones.
    log.error('Exiting: lost the leader Lease; a fresh start competes for it again');
    process.exit(1);
  }
  log.info('Stopping', { why: 'signal' });
  await controller.stop();
  await leadership?.release();
  await close();
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
