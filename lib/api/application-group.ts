import type {
  HelmReleaseInstall,
  HelmReleaseRollback,
  HelmReleaseUninstall,
  HelmReleaseUpgrade,
  ValuesReference,
} from './flux.ts';
import type { Condition, LocalObjectReference, ObjectMeta, Values } from './meta.ts';

export const ORKESTRA_GROUP = 'orkestra.azure.microsoft.com';
export const APPLICATION_GROUP_API_VERSION = `${ORKESTRA_GROUP}/v1alpha1`;
export const APPLICATION_GROUP_KIND = 'ApplicationGroup';

/** `ApplicationGroup` (orkestra.azure.microsoft.com/v1alpha1); original Orkestra manifests parse unchanged. */
export interface ApplicationGroup {
  apiVersion: typeof APPLICATION_GROUP_API_VERSION;
  kind: typeof APPLICATION_GROUP_KIND;
  metadata: ObjectMeta;
  spec: ApplicationGroupSpec;
  status?: ApplicationGroupStatus;
}

export interface ApplicationGroupSpec {
  applications: Application[];
  /** How often the group is reconciled when nothing changed (Go duration). */
  interval?: string;
  /** Addition: at most this many releases are applied at once (Argo `parallelism`). */
  parallelism?: number;
  /** Addition: what happens when a forward Workflow fails. Default `Rollback`. */
  remediation?: { strategy: RemediationStrategy };
}

/** Rollback: back to the last successful spec; Uninstall: remove what the failed generation installed; None: leave it. */
export type RemediationStrategy = 'Rollback' | 'Uninstall' | 'None';

/** A node of a dependency graph: an application or a subchart. */
export interface DagNode {
  name: string;
  dependencies?: string[];
}

export interface Application extends DagNode {
  spec: ApplicationSpec;
}

export interface ApplicationSpec {
  chart: ChartRef;
  release?: Release;
  /** Each subchart of the parent chart becomes its own DAG node. */
  subcharts?: DagNode[];
  /** Original Orkestra's executor list; only `helmrelease` executors are supported. */
  workflow?: ExecutorSpec[];
}

export interface ExecutorSpec extends DagNode {
  type?: 'helmrelease' | 'keptn' | 'custom';
  image?: string;
  params?: unknown;
}

export interface ChartRef {
  /** `http(s)://` Helm repository or `oci://` registry. */
  url: string;
  name: string;
  /** Version or SemVer range; `*` (latest) when omitted. */
  version?: string;
  /** Secret (in the group's namespace) with the repository's credentials. */
  authSecretRef?: LocalObjectReference & { namespace?: string; kind?: string };
}

/** Maps onto HelmRelease v2 spec fields. */
export interface Release {
  targetNamespace?: string;
  timeout?: string;
  interval?: string;
  values?: Values;
  valuesFrom?: ValuesReference[];
  install?: HelmReleaseInstall;
  upgrade?: HelmReleaseUpgrade;
  rollback?: HelmReleaseRollback;
  uninstall?: HelmReleaseUninstall;
}

export type ReleasePhase = 'Pending' | 'Progressing' | 'Succeeded' | 'Failed' | 'RolledBack' | 'Deleted';

export interface ChartStatus {
  phase?: ReleasePhase;
  version?: string;
  message?: string;
}

export interface ApplicationStatus extends ChartStatus {
  name: string;
  subcharts?: Record<string, ChartStatus>;
}

export interface ApplicationGroupStatus {
  observedGeneration?: number;
  lastSucceededGeneration?: number;
  conditions?: Condition[];
  applications?: ApplicationStatus[];
  workflow?: { name: string; type?: string; phase?: string };
  /** The last value of the reconcile-request annotation the controller acted on. */
  lastHandledReconcileAt?: string;
  /** Which attempt at `generation` runs: each handled reconcile request of a finished one starts another. */
  attempt?: { generation: number; number: number };
}

/** Annotation whose new value asks the controller to run the current generation again. */
export const RECONCILE_ANNOTATION = 'orkestra.azure.microsoft.com/reconcile';
