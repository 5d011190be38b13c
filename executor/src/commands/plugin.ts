import type { CommandModule } from 'yargs';
import { ANY_STRING } from '../../../lib/cli.ts';
import { durationSeconds } from '../../../lib/duration.ts';
import { createLogger, type LogFormat } from '../../../lib/log.ts';

export interface PluginArgs {
  port: number;
  host: string;
  'token-file': string;
  hold: string;
  requeue: string;
  'max-held': number;
  'busy-requeue': string;
  'log-format': LogFormat;
  kubeconfig?: string;
}

/** Where Argo's agent puts the token it sends each plugin (the sidecar's own folder). */
export const ARGO_PLUGIN_TOKEN_FILE = '/var/run/argo/token';
export const DEFAULT_PLUGIN_PORT = 4355;

/**
 * `plugin`: serve Argo's executor-plugin protocol until SIGTERM. Unlike the actions it does not end
 * by itself; `stopped` resolves when it should exit.
 */
export const pluginCommand = (stopped: AbortSignal): CommandModule<object, PluginArgs> => ({
  command: 'plugin',
  describe:
    "Serve Argo's executor-plugin protocol (a sidecar of the Workflow's agent pod): run each step of the plugin templates in-process",
  builder: (yargs) =>
    yargs
      .option('port', { type: 'number', default: DEFAULT_PLUGIN_PORT, describe: 'port to listen on' })
      .option('host', {
        ...ANY_STRING,
        default: '127.0.0.1',
        describe: 'address to listen on (the agent calls localhost)',
      })
      .option('token-file', {
        ...ANY_STRING,
        default: ARGO_PLUGIN_TOKEN_FILE,
        describe: 'the token the agent sends (Authorization: Bearer)',
      })
      .option('hold', {
        ...ANY_STRING,
        default: '10s',
        describe:
          "how long one request waits for a step's outcome before answering Running (< the agent's 30 s)",
      })
      .option('requeue', {
        ...ANY_STRING,
        default: '100ms',
        describe: 'when the agent asks again after a Running answer',
      })
      .option('max-held', {
        type: 'number',
        default: 12,
        describe:
          "at most this many requests wait for an outcome at once (each takes one of the agent's task workers, ARGO_AGENT_TASK_WORKERS, 16 by default)",
      })
      .option('busy-requeue', {
        ...ANY_STRING,
        default: '1s',
        describe: 'when the agent asks again about a step while --max-held requests are waiting',
      })
      .option('log-format', { choices: ['json', 'text'] as const, nargs: 1, default: 'json' as const })
      .option('kubeconfig', {
        ...ANY_STRING,
        describe: 'kubeconfig file (default: KUBECONFIG, else in-cluster)',
      })
      .check((args) => {
        for (const flag of ['hold', 'requeue', 'busy-requeue'] as const) {
          if (!(durationSeconds(args[flag]) > 0))
            throw new Error(`--${flag} "${args[flag]}" is not a duration such as 10s`);
        }
        if (!(Number.isInteger(args['max-held']) && args['max-held'] >= 0))
          throw new Error(`--max-held ${args['max-held']} is not a whole number`);
        if (durationSeconds(args.hold) >= 30)
          throw new Error('--hold must be under 30s: the agent gives up on a request after 30 s');
        return true;
      }) as never,
  handler: async (args) => {
    const log = createLogger(args['log-format'], { component: 'plugin' });
    const { startPlugin } = await import('../plugin/server.ts');
    const { server, jobs } = await startPlugin({
      port: args.port,
      host: args.host,
      tokenFile: args['token-file'],
      holdMs: durationSeconds(args.hold) * 1000,
      requeue: args.requeue,
      maxHeld: args['max-held'],
      busyRequeue: args['busy-requeue'],
      kubeconfig: args.kubeconfig,
      log,
    });
    await new Promise<void>((resolve) => stopped.addEventListener('abort', () => resolve(), { once: true }));
    log.info('Stopping: aborting the steps in flight', { steps: jobs.size });
    jobs.abortAll();
    server.close();
  },
});
