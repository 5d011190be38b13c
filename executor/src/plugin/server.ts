// The orkestra executor plugin: an HTTP server in Argo's agent pod (one per Workflow) that runs
// each step of our plugin templates in-process, exactly as the container flavour's command line
// would (the same parser, actions, watches and outcome), instead of a pod per step.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { ARGO_GROUP, ARGO_VERSION } from '../../../lib/api/argo.ts';
import { InvalidInputError } from '../../../lib/errors.ts';
import { loadKubeConfig } from '../../../lib/kube.ts';
import type { Logger } from '../../../lib/log.ts';
import { buildParser } from '../cli.ts';
import type { Outcome } from '../context.ts';
import { makeRun, outcomeOf, type RunResult } from '../run.ts';
import { Jobs } from './jobs.ts';
import {
  EXECUTE_PATH,
  type NodeReply,
  outcomeReply,
  parseExecuteRequest,
  runningReply,
  type Task,
  unchangedReply,
} from './protocol.ts';

/** Template bodies carry inline HelmReleases (at most 128 KiB each); anything far larger is not ours. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

export interface PluginOptions {
  port: number;
  host: string;
  tokenFile: string;
  /** How long one ask waits for a step's outcome before answering Running (under the agent's 30 s). */
  holdMs: number;
  /** When the agent asks again after a Running answer (a Go duration). */
  requeue: string;
  /**
   * At most this many asks are held at once; beyond, an ask is answered at once and asked again
   * after `busyRequeue`. Each held ask takes one of the agent's task workers (16 by default), so
   * holding them all would leave no worker to start or report other steps.
   */
  maxHeld: number;
  busyRequeue: string;
  kubeconfig?: string;
  log: Logger;
}

/**
 * Runs one step as `orkestra-executor <args>` would, in this process; never rejects. Steps share
 * `kubeConfigs`' configs (and so what their clients learnt of the API's resources).
 */
export async function runStep(
  task: Task,
  signal: AbortSignal,
  kubeConfigs?: (path: string | undefined) => KubeConfig,
): Promise<Outcome> {
  const results: RunResult = {};
  const action = task.args[0] ?? '';
  try {
    await buildParser(makeRun(signal, results, { resultFile: false, kubeConfigs })).parseAsync(task.args);
  } catch (error) {
    const problem = { path: 'args', message: (error as Error).message };
    return outcomeOf(action, new InvalidInputError('the plugin arguments', [problem]));
  }
  return results.outcome ?? outcomeOf(action, results.error);
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error(`request body over ${MAX_BODY_BYTES} bytes`));
        request.destroy();
      } else chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

export async function startPlugin(options: PluginOptions): Promise<{ server: Server; jobs: Jobs }> {
  // Argo's agent writes the token before the plugin starts (its init container), readable by us only.
  const token = readFileSync(options.tokenFile, 'utf8').trim();
  const { log } = options;
  // One config per --kubeconfig for the pod's life: the in-cluster one re-reads its token file as
  // the kubelet rotates it.
  const configs = new Map<string | undefined, KubeConfig>();
  const kubeConfigs = (path: string | undefined) => {
    let config = configs.get(path);
    if (!config) {
      config = loadKubeConfig(path);
      configs.set(path, config);
    }
    return config;
  };
  const workflows = () => kubeConfigs(options.kubeconfig).makeApiClient(CustomObjectsApi);
  const jobs = new Jobs({
    run: (task, signal) => runStep(task, signal, kubeConfigs),
    parallelism: async ({ name, namespace }) => {
      const workflow = (await workflows().getNamespacedCustomObject({
        group: ARGO_GROUP,
        version: ARGO_VERSION,
        namespace,
        plural: 'workflows',
        name,
      })) as { spec?: { parallelism?: number } };
      return workflow.spec?.parallelism;
    },
  });

  const reply = (response: ServerResponse, status: number, body: NodeReply | object) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  };

  const server = createServer(async (request, response) => {
    if (request.method !== 'POST' || request.url !== EXECUTE_PATH) return reply(response, 404, {});
    if (request.headers.authorization !== `Bearer ${token}`) return reply(response, 403, {});
    let body: unknown;
    try {
      body = JSON.parse(await readBody(request));
    } catch (error) {
      return reply(response, 400, { error: String((error as Error).message) });
    }
    const asked = parseExecuteRequest(body);
    if (!asked.mine) return reply(response, 200, {});
    if ('invalid' in asked) {
      log.error('A template the plugin cannot run', { problem: asked.invalid });
      return reply(response, 200, {
        node: { phase: 'Failed', message: `Invalid: ${asked.invalid}` },
      } satisfies NodeReply);
    }
    const first = !jobs.has(asked.task.key);
    const busy = jobs.held >= options.maxHeld;
    const outcome = await jobs.ask(asked.task, busy ? 0 : options.holdMs);
    const requeue = busy ? options.busyRequeue : options.requeue;
    reply(
      response,
      200,
      outcome
        ? outcomeReply(outcome)
        : first
          ? runningReply(`orkestra-executor ${asked.task.args[0] ?? ''} in progress`, requeue)
          : unchangedReply(requeue),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  log.info('Executor plugin listening', { host: options.host, port: options.port });
  return { server, jobs };
}
