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
  /** A pod's workload (parameter.ts runsInPod): parameters may name no file of the pod. */
  inPod: boolean;
}

/** What a step reports (the result file, for Argo output parameters). */
export interface Outcome {
  action: string;
  /**
   * One per exit code: 0 Succeeded, 1 Failed, 2 Invalid, 3 TimedOut, 4 Unreachable, 5 Forbidden,
   * 70 Error, 143 Terminated.
   */
  phase:
    | 'Succeeded'
    | 'Failed'
    | 'TimedOut'
    | 'Terminated'
    | 'Invalid'
    | 'Unreachable'
    | 'Forbidden'
    | 'Error';
  reason: string;
  message: string;
  name?: string;
  namespace?: string;
  generation?: number;
  revision?: string;
  chartVersion?: string;
  /** `stage`: each subchart pushed (or found already there) in the staging registry. */
  staged?: StagedChart[];
}

export interface StagedChart {
  name: string;
  version: string;
  /** oci://REGISTRY/REPOSITORY:TAG */
  reference: string;
  /** The manifest's digest. */
  digest: string;
  /** Pushed by this run; false when the registry had it already. */
  changed: boolean;
}
