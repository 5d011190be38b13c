// The I/O shell around the pure core: one pass for one group — read it, observe it with the
// Workflows it owns, perform the one action nextAction picks, write status. Reconcile gets only the
// key, never the event; the next event (or the requeue) brings the next pass.
import type { ApplicationGroup, RemediationStrategy } from '../../../lib/api/application-group.ts';
import type { Workflow } from '../../../lib/api/argo.ts';
import type { ConfigMap } from '../../../lib/api/meta.ts';
import { durationSeconds } from '../../../lib/duration.ts';
import type { Logger } from '../../../lib/log.ts';
import { conflictsAmong, type Owned } from '../../../lib/ownership.ts';
import { chartHosts, type PolicyView } from '../../../lib/policy/check-group.ts';
import { DEFAULT_POLICY, type EffectivePolicy } from '../../../lib/policy/policy.ts';
import { Labels } from '../../../lib/wire-names.ts';
import { canonicalJson } from '../../../lib/yaml.ts';
import { ARGO_DAG_TASK_LIMIT } from '../expand/chunks.ts';
import { renderForwardWorkflow } from '../expand/forward-workflow.ts';
import { renderReverseWorkflow } from '../expand/reverse-workflow.ts';
import { renderRollbackWorkflow } from '../expand/rollback-workflow.ts';
import type { RenderOptions } from '../expand/settings.ts';
import { isSplit } from '../expand/split-dags.ts';
import type { Processed } from '../runtime/work-queue.ts';
import {
  ExecutorAccessMissingError,
  lastGroupOfNamespace,
  ObjectRefusedError,
  OwnershipConflictError,
} from './executor-access.ts';
import { type Action, nextAction } from './next-action.ts';
import {
  forwardStarting,
  forwardSucceeded,
  RecordTooLargeError,
  type RolloutRecord,
  remediated,
} from './rollout-record.ts';
import { FINALIZER, type GroupState, observeGroup, remediationOf } from './state.ts';
import { type Blocked, groupStatus } from './status.ts';

/** What a pass needs from the cluster, one function each. */
export interface ClusterCalls {
  /** The group as the API server has it now (not a cache: finalizers must not be decided on stale data). */
  readGroup: (namespace: string, name: string) => Promise<ApplicationGroup | undefined>;
  /** The Workflows in the group's namespace that Orkestra manages (the informer's cache). */
  workflowsIn: (namespace: string) => readonly Workflow[];
  /** The same, listed from the API server now: a Workflow created a moment ago may not be cached yet. */
  listWorkflows: (namespace: string) => Promise<readonly Workflow[]>;
  /** Sets the group's finalizers, failing if the group changed since it was read. */
  setFinalizers: (group: ApplicationGroup, finalizers: string[]) => Promise<void>;
  /**
   * Creates an object; one that already exists under that (deterministic) name counts as created
   * when it has the same owner — one left by an earlier object of the group's name is not ours.
   */
  createObject: (object: Workflow | ConfigMap) => Promise<'created' | 'exists'>;
  stopWorkflow: (namespace: string, name: string) => Promise<void>;
  writeStatus: (group: ApplicationGroup, status: NonNullable<ApplicationGroup['status']>) => Promise<void>;
  /**
   * The HelmReleases and source objects of `namespace` that have the kind and name of one in
   * `wanted` (whoever owns them).
   */
  liveReleaseObjects: (namespace: string, wanted: readonly Owned[]) => Promise<Owned[]>;
  /**
   * Makes the namespace able to run executor steps (ServiceAccount, RoleBinding) and, where the
   * policy names the default release ServiceAccount, releases; or says what is missing.
   */
  ensureExecutorAccess: (namespace: string, policy: EffectivePolicy) => Promise<void>;
  /** Every ApplicationGroup of the namespace, listed from the API server now. */
  listGroups: (namespace: string) => Promise<readonly ApplicationGroup[]>;
  /**
   * Deletes the executor plugin's ConfigMap, ServiceAccount, RoleBinding and token Secrets of the
   * namespace that Orkestra labelled as its own; returns what it deleted (`Kind/name`).
   */
  removeNamespaceObjects: (namespace: string) => Promise<string[]>;
  /**
   * The namespace's policy (the ReleasePolicy that selects it, or the defaults), the cluster's own
   * addresses, and what each of `hosts` (chart URL hosts) resolves to.
   */
  policyView: (namespace: string, hosts: readonly string[]) => Promise<PolicyView>;
  recordEvent: (
    group: ApplicationGroup,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
  ) => Promise<void>;
  now: () => string;
  /** The group's rollout record (none: never written, or not this group's own). */
  readRecord: (group: ApplicationGroup) => Promise<RolloutRecord | undefined>;
  /** Writes the group's rollout record (owned by the group); RecordTooLargeError when it cannot fit. */
  saveRecord: (group: ApplicationGroup, record: RolloutRecord) => Promise<void>;
}

export interface ReconcileSettings {
  render: RenderOptions;
  /** The pod flavour: every step, waits too, is a pod Argo counts against spec.parallelism. */
  stepsArePods?: boolean;
  /** How often a group that needs nothing is looked at again (its spec.interval overrides it). */
  resyncMs: number;
  /** A failed rollout's remediation when the group sets none (its spec.remediation.strategy); Rollback when absent. */
  defaultRemediation?: RemediationStrategy;
  /** Whether the group is this controller's to reconcile (its --watch-label-selector); all when absent. */
  owns?: (group: ApplicationGroup) => boolean;
  /**
   * Test-only: called before and after each action, as `before:<Action>` and `after:<Action>`
   * (`CreateWorkflow/<type>` for a Workflow).
   */
  failpoint?: (point: string) => Promise<void>;
  /** Told of every Workflow created (for metrics). */
  onWorkflowCreated?: (type: 'forward' | 'reverse' | 'rollback') => void;
}

/** The API server refuses new objects in a namespace that is being deleted (403, NamespaceTerminating). */
function isNamespaceTerminating(error: unknown): boolean {
  const { code, body } = (error ?? {}) as { code?: unknown; body?: unknown };
  return code === 403 && /NamespaceTerminating|because it is being terminated/.test(String(body ?? ''));
}

/**
 * A group's interval bounded to 10 s … 24 h: `1ms` passes the CRD's pattern, and timers over 24.8
 * days fire at once — either would make one group's passes run without pause.
 */
export function resyncDelay(ms: number): number {
  return Math.min(24 * 3_600_000, Math.max(10_000, ms));
}

/** A group whose spec has a cycle cannot be ordered: its releases are all deleted at once. */
function withoutDependencies(group: ApplicationGroup): ApplicationGroup {
  return {
    ...group,
    spec: {
      ...group.spec,
      applications: group.spec.applications.map((app) => ({
        ...app,
        dependencies: [],
        spec: { ...app.spec, subcharts: app.spec.subcharts?.map((s) => ({ ...s, dependencies: [] })) },
      })),
    },
  };
}

/** Performs the action; returns the rollout record when the action changed it. */
async function perform(
  action: Action,
  state: GroupState,
  calls: ClusterCalls,
  settings: ReconcileSettings,
  log: Logger,
): Promise<RolloutRecord | undefined> {
  const group = state.group;
  const namespace = group.metadata.namespace as string;
  switch (action.type) {
    case 'AddFinalizer':
      await calls.setFinalizers(group, [...(group.metadata.finalizers ?? []), FINALIZER]);
      log.info('Added finalizer');
      return;
    case 'RemoveFinalizer': {
      // The last group of its namespace takes the objects set up for it (the plugin's, the staging
      // credentials) with it — before the finalizer
      // goes, so that a failure is retried while the group still exists.
      if (lastGroupOfNamespace(group, await calls.listGroups(namespace))) {
        const removed = await calls.removeNamespaceObjects(namespace);
        if (removed.length > 0) log.info("Removed the namespace's Orkestra objects", { removed });
      }
      await calls.setFinalizers(
        group,
        (group.metadata.finalizers ?? []).filter((f) => f !== FINALIZER),
      );
      log.info('Removed finalizer: every release is uninstalled');
      await calls.recordEvent(group, 'Normal', 'Uninstalled', 'Every release of the group is uninstalled');
      return;
    }
    case 'StopWorkflow':
      await calls.stopWorkflow(namespace, action.name);
      log.info('Stopping Workflow', { workflow: action.name, why: action.why });
      await calls.recordEvent(group, 'Normal', 'Stopping', `Stopping Workflow ${action.name}: ${action.why}`);
      return;
    case 'CreateWorkflow': {
      const policy = state.policy?.policy;
      const options = {
        ...settings.render,
        namespace,
        bundles: 'auto' as const,
        attempt: state.attempt,
        ...(policy ? { policy } : {}),
      };
      const rendered = renderFor(action.workflow, state, options);
      // Only a rollout is refused: uninstalling must stay possible.
      if (
        action.workflow === 'forward' &&
        settings.stepsArePods &&
        group.spec.parallelism !== undefined &&
        isSplit(rendered.workflow)
      ) {
        throw new ObjectRefusedError(
          `spec.parallelism needs the executor plugin flavour (--executor plugin) for a group this large: its DAG of more than ${options.dagTaskLimit ?? ARGO_DAG_TASK_LIMIT} tasks is split into parts that wait on each other, and with a pod per step Argo counts those waits against spec.parallelism, so they could take every slot`,
        );
      }
      // What the Workflow would apply must be the group's own (or nothing yet): a HelmRelease or
      // source of another group, or of something other than Orkestra, is not taken over.
      if (rendered.applies.length > 0) {
        const live = await calls.liveReleaseObjects(namespace, rendered.applies);
        const conflicts = conflictsAmong(rendered.applies, live);
        if (conflicts.length > 0)
          throw new OwnershipConflictError(
            `Not applied, to leave what others own alone: ${conflicts.join('; ')}`,
          );
      }
      await calls.ensureExecutorAccess(namespace, options.policy ?? DEFAULT_POLICY);
      // What a forward Workflow may install is on record before it can install anything.
      if (action.workflow === 'forward')
        await calls.saveRecord(group, forwardStarting(state.record, group, state.attempt));
      for (const configMap of rendered.configMaps) await calls.createObject(configMap);
      const created = await calls.createObject(rendered.workflow);
      const name = rendered.workflow.metadata.name as string;
      log.info(`${created === 'created' ? 'Created' : 'Found'} ${action.workflow} Workflow`, {
        workflow: name,
        bundles: rendered.configMaps.length,
      });
      if (created === 'created') {
        settings.onWorkflowCreated?.(action.workflow);
        const what = { forward: 'roll out', reverse: 'uninstall', rollback: 'remediate' }[action.workflow];
        await calls.recordEvent(
          group,
          'Normal',
          'WorkflowCreated',
          `Created Workflow ${name} to ${what} generation ${state.generation}`,
        );
      }
      return;
    }
    case 'RecordSucceeded': {
      const record = forwardSucceeded(action.success);
      await calls.saveRecord(group, record);
      log.info('Recorded the spec as the last that rolled out successfully', {
        succeeded: action.success.generation,
      });
      return record;
    }
    case 'RecordRemediated': {
      const how = remediationOf(state).how === 'rollback' ? 'rollback' : 'uninstall';
      const record = remediated(state.record, how);
      await calls.saveRecord(group, record);
      log.info('Recorded the remediation', { how });
      return record;
    }
    case 'HandleRetry':
      log.info('Reconcile requested: starting another attempt', { request: action.request });
      return;
    case 'Wait':
      return;
  }
}

/** The Workflow of that type for the state: what it renders from depends on what is installed. */
function renderFor(type: 'forward' | 'reverse' | 'rollback', state: GroupState, options: RenderOptions) {
  const { group, record } = state;
  // Releases of every spec that may be installed and that the Workflow's own spec lacks are
  // uninstalled too (first, dependents first): nothing an earlier rollout installed is left behind.
  switch (type) {
    case 'forward':
      return renderForwardWorkflow(group, options, record.installed);
    case 'rollback': {
      const remediation = remediationOf(state);
      if (remediation.how !== 'rollback')
        return renderRollbackWorkflow(group, undefined, options, record.installed);
      const spec = remediation.to.spec;
      if (!spec) throw new Error(`the spec of generation ${remediation.to.generation} is not on record`);
      const rendered = renderRollbackWorkflow(group, { ...group, spec }, options, record.installed);
      // What it returns to, for status to say (and to record) whatever becomes of the record.
      rendered.workflow.metadata.annotations = {
        ...rendered.workflow.metadata.annotations,
        [Labels.restores]: String(remediation.to.generation),
      };
      return rendered;
    }
    case 'reverse':
      return renderReverseWorkflow(
        state.problems.length > 0 ? withoutDependencies(group) : group,
        options,
        record.installed,
      );
  }
}

/** One pass for the group `namespace/name`; throws to be retried with backoff. */
export async function reconcileGroup(
  namespace: string,
  name: string,
  calls: ClusterCalls,
  settings: ReconcileSettings,
  baseLog: Logger,
): Promise<Processed> {
  const group = await calls.readGroup(namespace, name);
  // Gone, or another controller's (a Workflow event can name a group this one does not watch).
  if (!group || settings.owns?.(group) === false) return undefined;
  const log = baseLog.child({ namespace, name, generation: group.metadata.generation });
  const record = await calls.readRecord(group);
  // The chart hosts of the spec and of the one a rollback would return to, resolved for the check.
  const hosts = [...chartHosts(group.spec), ...(record?.succeeded ? chartHosts(record.succeeded.spec) : [])];
  const policy = await calls.policyView(namespace, [...new Set(hosts)]);
  const observe = (workflows: readonly Workflow[], current: RolloutRecord | undefined) =>
    observeGroup(group, workflows, current, settings.defaultRemediation, policy);
  let workflows = calls.workflowsIn(namespace);
  let state = observe(workflows, record);
  let action = nextAction(state);
  if (action.type === 'CreateWorkflow') {
    // Decide again on what the API server has, not the cache: a forward Workflow created a moment
    // ago and not cached yet must not be run beside a reverse one, nor twice.
    workflows = await calls.listWorkflows(namespace);
    state = observe(workflows, record);
    action = nextAction(state);
  }
  log.debug('Decided', { action: action.type, ...(action.type === 'Wait' ? { why: action.why } : {}) });
  let blocked: Blocked | undefined;
  let recorded = false;
  try {
    const step = action.type === 'CreateWorkflow' ? `${action.type}/${action.workflow}` : action.type;
    await settings.failpoint?.(`before:${step}`);
    const changed = await perform(action, state, calls, settings, log);
    // Status says what the record says now; and the next action follows at once (no event will
    // announce it: the controller does not watch ConfigMaps).
    if (changed) state = observe(workflows, changed);
    recorded = Boolean(changed);
    await settings.failpoint?.(`after:${step}`);
  } catch (error) {
    if (state.deleting && isNamespaceTerminating(error)) {
      // Nothing can be created in a namespace being deleted, so no reverse Workflow: the namespace
      // controller deletes the HelmReleases, and their own finalizers uninstall the releases.
      await calls.setFinalizers(
        group,
        (group.metadata.finalizers ?? []).filter((f) => f !== FINALIZER),
      );
      log.info('Removed finalizer: the namespace is being deleted, and its HelmReleases with it');
      return undefined;
    }
    // Not a failure to retry at once but something someone must change: say so in status.
    if (error instanceof ExecutorAccessMissingError)
      blocked = { reason: 'ExecutorMissing', message: error.message };
    else if (error instanceof RecordTooLargeError)
      blocked = { reason: 'SpecTooLarge', message: error.message };
    else if (error instanceof ObjectRefusedError)
      blocked = { reason: 'WorkflowRefused', message: error.message };
    else if (error instanceof OwnershipConflictError)
      blocked = { reason: 'Conflict', message: error.message };
    else throw error;
    log.warn('Cannot start the Workflow', { why: error.message });
  }

  // A group that is gone, or was only waiting for its finalizer to go, needs no status.
  if (action.type === 'RemoveFinalizer' || (state.deleting && !state.hasFinalizer)) return undefined;
  const retry = action.type === 'HandleRetry' ? { request: action.request } : undefined;
  const status = groupStatus(state, calls.now(), blocked, retry);
  const before = group.status?.conditions?.find((c) => c.type === 'Ready');
  const after = status.conditions?.find((c) => c.type === 'Ready');
  // The API server returns keys sorted: compare the values, not the order they were built in.
  if (canonicalJson(status) !== canonicalJson(group.status ?? {})) {
    await calls.writeStatus(group, status);
    if (after && (after.reason !== before?.reason || after.status !== before?.status)) {
      const warning = after.status === 'False' && after.reason !== 'Deleting';
      await calls.recordEvent(group, warning ? 'Warning' : 'Normal', after.reason, after.message);
    }
  }
  // Nobody tells the controller when the missing ServiceAccount appears: look again soon.
  if (blocked) return { requeueAfterMs: Math.min(30_000, settings.resyncMs) };
  if (recorded) return { requeueAfterMs: 0 };
  const interval = group.spec.interval ? durationSeconds(group.spec.interval) * 1000 : Number.NaN;
  return { requeueAfterMs: resyncDelay(interval > 0 ? interval : settings.resyncMs) };
}
