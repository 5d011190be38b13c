import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Argv } from 'yargs';
import { ANY_STRING } from '../../../lib/cli.ts';
import { InvalidInputError } from '../../../lib/errors.ts';
import type { LogFormat } from '../../../lib/log.ts';
import type { ActionContext } from '../context.ts';
import { namespaceOutside } from '../input.ts';

export interface CommonArgs {
  timeout: string;
  'namespace-allow'?: string;
  'result-file': string;
  'log-format': LogFormat;
  kubeconfig?: string;
}

/** /tmp/orkestra-result.json in the image (TMPDIR unset); the test kubelet gives each pod its own TMPDIR. */
export const DEFAULT_RESULT_FILE = join(tmpdir(), 'orkestra-result.json');

/** Options every action takes. */
export function withCommonOptions<T>(yargs: Argv<T>): Argv<T & CommonArgs> {
  return yargs
    .option('timeout', {
      ...ANY_STRING,
      default: '5m',
      describe: 'give up after this long (Go duration: 90s, 5m, 1h)',
    })
    .option('namespace-allow', {
      ...ANY_STRING,
      describe: 'comma-separated namespaces the executor may touch (default: any)',
    })
    .option('result-file', {
      ...ANY_STRING,
      default: DEFAULT_RESULT_FILE,
      describe: 'where the outcome is written as JSON (default: $TMPDIR, else /tmp)',
    })
    .option('log-format', { choices: ['json', 'text'] as const, nargs: 1, default: 'json' as const })
    .option('kubeconfig', {
      ...ANY_STRING,
      describe: 'kubeconfig file (default: KUBECONFIG, else in-cluster)',
    }) as Argv<T & CommonArgs>;
}

/** Refuses a --namespace other than the pod's own, or outside --namespace-allow. */
export function requireAllowedNamespace(context: ActionContext, namespace: string): void {
  const outside = namespaceOutside(namespace, context.rules);
  if (outside)
    throw new InvalidInputError(`--namespace ${namespace}`, [{ path: '--namespace', message: outside }]);
}
