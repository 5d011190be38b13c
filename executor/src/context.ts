import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '../../lib/log.ts';
import type { InputRules } from './input.ts';

/** What every action gets: the cluster, a logger, SIGTERM as a signal, and its deadline. */
export interface ActionContext {
  kube: KubeConfig;
  log: Logger;
  signal: AbortSignal;
  deadline: number;
  rules: InputRules;
}

/** What a step reports (the result file, for Argo output parameters). */
export interface Outcome {
  action: string;
  phase: 'Succeeded' | 'Failed' | 'TimedOut' | 'Terminated' | 'Invalid' | 'Unreachable';
  reason: string;
  message: string;
  name?: string;
  namespace?: string;
  generation?: number;
  revision?: string;
  chartVersion?: string;
}
