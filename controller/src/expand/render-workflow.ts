import type { Application, ApplicationGroup, DagNode } from '../../../lib/api/application-group.ts';
import { APPLICATION_GROUP_API_VERSION, APPLICATION_GROUP_KIND } from '../../../lib/api/application-group.ts';
import {
  ARGO_API_VERSION,
  type DagTask,
  type Parameter,
  type Template,
  type Workflow,
} from '../../../lib/api/argo.ts';
import { type ConfigMap, Labels, MANAGED_BY } from '../../../lib/api/meta.ts';
import { toDnsLabel, uniqueName } from '../../../lib/names.ts';
import { canonicalJson, prune } from '../../../lib/yaml.ts';
import { argoSafeJson } from './argo-safe.ts';
import { sinks, topologicalOrder } from './graph.ts';
import {
  executorTimeout,
  labelValue,
  type ReleaseContext,
  type RenderedRelease,
  renderApplicationRelease,
  renderSubchartRelease,
} from './helm-release.ts';

export type WorkflowType = 'forward' | 'reverse' | 'rollback';
export type BundleMode = 'auto' | 'always' | 'never';

export const DEFAULT_TEMPLATE_NAME = 'orkestra-helmrelease';
export const DEFAULT_SERVICE_ACCOUNT = 'orkestra-executor';
export const DEFAULT_STAGING_URL = 'http://orkestra-chartmuseum.orkestra:8080';
/** Above this size a Workflow passes its HelmReleases by reference to release-bundle ConfigMaps. */
export const INLINE_WORKFLOW_LIMIT = 256 * 1024;
/** Linux refuses a single argument over 128 KiB; the executor gets each parameter as one argument. */
export const INLINE_PARAMETER_LIMIT = 96 * 1024;
/** A ConfigMap holds at most 1 MiB; leave room for its metadata. */
export const BUNDLE_LIMIT = 900 * 1024;
/** Prefix of a parameter value that points into a release-bundle ConfigMap: `configmap:NS/NAME/KEY`. */
export const BUNDLE_REFERENCE_PREFIX = 'configmap:';

export interface RenderOptions {
  /** Namespace when the group has none. */
  namespace?: string;
  /** Generation when the group has none (offline rendering). */
  generation?: number;
  stagingUrl?: string;
  templateName?: string;
  clusterScope?: boolean;
  serviceAccountName?: string;
  bundles?: BundleMode;
}

/** A Workflow and the ConfigMaps it reads its HelmReleases from (none when they are inline). */
export interface RenderedWorkflow {
  workflow: Workflow;
  configMaps: ConfigMap[];
}

interface Settings {
  namespace: string;
  generation: number;
  stagingUrl: string;
  templateRef: { name: string; clusterScope?: boolean };
  serviceAccountName: string;
}

function settingsFor(group: ApplicationGroup, options: RenderOptions): Settings {
  return {
    namespace: group.metadata.namespace ?? options.namespace ?? 'default',
    generation: group.metadata.generation ?? options.generation ?? 1,
    stagingUrl: options.stagingUrl ?? DEFAULT_STAGING_URL,
    templateRef: {
      name: options.templateName ?? DEFAULT_TEMPLATE_NAME,
      ...(options.clusterScope ? { clusterScope: true } : {}),
    },
    serviceAccountName: options.serviceAccountName ?? DEFAULT_SERVICE_ACCOUNT,
  };
}

export function workflowName(group: ApplicationGroup, generation: number, type: WorkflowType): string {
  return toDnsLabel([group.metadata.name ?? 'group', `g${generation}`, type]);
}

// ---- expansion: the group as release units in dependency order ----

interface ExpandedApplication {
  app: Application;
  task: string;
  dependencies: string[];
  release: RenderedRelease;
  subcharts: Array<{ task: string; dependencies: string[]; release: RenderedRelease }>;
}

/** Applications in dependency order with their rendered releases; task names are DNS labels. */
function expandApplications(group: ApplicationGroup, settings: Settings): ExpandedApplication[] {
  const context: ReleaseContext = { group, namespace: settings.namespace, stagingUrl: settings.stagingUrl };
  const apps = group.spec.applications;
  const byName = new Map(apps.map((app) => [app.name, app]));
  return topologicalOrder(apps).map((name) => {
    const app = byName.get(name) as Application;
    const subcharts = app.spec.subcharts ?? [];
    const subByName = new Map(subcharts.map((sub) => [sub.name, sub]));
    return {
      app,
      task: toDnsLabel(app.name),
      dependencies: (app.dependencies ?? []).map((d) => toDnsLabel(d)),
      release: renderApplicationRelease(context, app),
      subcharts: topologicalOrder(subcharts).map((subName) => {
        const sub = subByName.get(subName) as DagNode;
        return {
          task: toDnsLabel(sub.name),
          dependencies: (sub.dependencies ?? []).map((d) => toDnsLabel(d)),
          release: renderSubchartRelease(context, app, sub.name),
        };
      }),
    };
  });
}

// ---- parameters: inline JSON, or references into release bundles ----

type Encode = (release: RenderedRelease, part: 'helmrelease' | 'source') => string;

const encoded = new WeakMap<RenderedRelease, { helmrelease: string; source: string }>();

/** The canonical JSON of a release's HelmRelease or source, computed once per rendered release. */
const payload: Encode = (release, part) => {
  let json = encoded.get(release);
  if (!json) {
    json = { helmrelease: canonicalJson(release.helmRelease), source: canonicalJson(release.source) };
    encoded.set(release, json);
  }
  return json[part];
};

/** The payload as an inline parameter: nothing in it for Argo or the kubelet to substitute. */
const inline: Encode = (release, part) => argoSafeJson(payload(release, part));

/** Whether the releases' payloads could all be inline parameters. */
function payloadsFit(releases: readonly RenderedRelease[]): boolean {
  let total = 0;
  for (const release of releases) {
    for (const part of ['helmrelease', 'source'] as const) {
      const size = inline(release, part).length;
      if (size > INLINE_PARAMETER_LIMIT) return false;
      total += size;
    }
  }
  return total <= INLINE_WORKFLOW_LIMIT;
}

/** Collects the payloads into ConfigMaps of at most BUNDLE_LIMIT bytes and hands out references. */
function bundler(baseName: string, namespace: string, metadataLabels: Record<string, string>) {
  const configMaps: ConfigMap[] = [];
  let size = Number.POSITIVE_INFINITY;
  const encode: Encode = (release, part) => {
    const key = `${release.name}.${part}`;
    // Read by the executor only, never substituted: the payload as it is.
    const value = payload(release, part);
    if (size + key.length + value.length > BUNDLE_LIMIT) {
      configMaps.push({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `${baseName}-${configMaps.length}`, namespace, labels: metadataLabels },
        data: {},
      });
      size = 0;
    }
    const bundle = configMaps[configMaps.length - 1] as ConfigMap & { data: Record<string, string> };
    bundle.data[key] = value;
    size += key.length + value.length;
    return `${BUNDLE_REFERENCE_PREFIX}${namespace}/${bundle.metadata.name}/${key}`;
  };
  return { encode, configMaps };
}

// ---- tasks ----

function parameters(values: Record<string, string>): { parameters: Parameter[] } {
  return { parameters: Object.entries(values).map(([name, value]) => ({ name, value })) };
}

function leafTask(
  settings: Settings,
  name: string,
  template: 'apply' | 'delete' | 'stage',
  dependencies: string[],
  args: Record<string, string>,
): DagTask {
  return prune({
    name,
    templateRef: { ...settings.templateRef, template },
    dependencies: orUndefined(dependencies),
    arguments: parameters(args),
  });
}

function applyTask(
  settings: Settings,
  name: string,
  deps: string[],
  release: RenderedRelease,
  app: Application,
  encode: Encode,
): DagTask {
  return leafTask(settings, name, 'apply', deps, {
    helmrelease: encode(release, 'helmrelease'),
    source: encode(release, 'source'),
    timeout: executorTimeout(app.spec.release),
  });
}

function deleteTask(
  settings: Settings,
  name: string,
  deps: string[],
  release: RenderedRelease,
  app: Application,
): DagTask {
  return leafTask(settings, name, 'delete', deps, {
    name: release.name,
    namespace: settings.namespace,
    timeout: executorTimeout(app.spec.release),
  });
}

function dagTemplate(name: string, tasks: DagTask[]): Template {
  return { name, dag: { tasks } };
}

/** Tasks of the forward DAG of `apps`, plus the nested DAG templates of applications with subcharts. */
function forwardTasks(
  settings: Settings,
  apps: ExpandedApplication[],
  encode: Encode,
  templatePrefix: string,
) {
  const tasks: DagTask[] = [];
  const templates: Template[] = [];
  for (const entry of apps) {
    if (entry.subcharts.length === 0) {
      tasks.push(applyTask(settings, entry.task, entry.dependencies, entry.release, entry.app, encode));
      continue;
    }
    const template = toDnsLabel([templatePrefix, entry.task]);
    tasks.push(prune({ name: entry.task, template, dependencies: orUndefined(entry.dependencies) }));
    templates.push(dagTemplate(template, applicationForwardTasks(settings, entry, encode)));
  }
  return { tasks, templates };
}

/** stage the parent chart → subcharts in their own order → the parent release with its subcharts disabled. */
function applicationForwardTasks(settings: Settings, entry: ExpandedApplication, encode: Encode): DagTask[] {
  const subTasks = new Set(entry.subcharts.map((s) => s.task));
  const stage = uniqueName('stage', subTasks);
  const parent = uniqueName(entry.task, new Set([...subTasks, stage]));
  const chart = entry.app.spec.chart;
  const secret = chart.authSecretRef;
  const tasks: DagTask[] = [
    leafTask(settings, stage, 'stage', [], {
      'chart-url': chart.url,
      'chart-name': chart.name,
      'chart-version': chart.version ?? '',
      subcharts: (entry.app.spec.subcharts ?? []).map((s) => s.name).join(','),
      'staging-url': settings.stagingUrl,
      'auth-secret': secret ? `${settings.namespace}/${secret.name}` : '',
    }),
  ];
  for (const sub of entry.subcharts) {
    const deps = sub.dependencies.length > 0 ? sub.dependencies : [stage];
    tasks.push(applyTask(settings, sub.task, deps, sub.release, entry.app, encode));
  }
  const last = sinks(entry.subcharts.map((s) => ({ name: s.task, dependencies: s.dependencies })));
  tasks.push(applyTask(settings, parent, last, entry.release, entry.app, encode));
  return tasks;
}

/** Deletion in reverse dependency order: dependents first, then what they depend on. */
function reverseTasks(settings: Settings, apps: ExpandedApplication[]) {
  const tasks: DagTask[] = [];
  const templates: Template[] = [];
  const reversed = reverseDependencies(apps.map((a) => ({ name: a.task, dependencies: a.dependencies })));
  for (const entry of [...apps].reverse()) {
    const deps = reversed.get(entry.task) ?? [];
    if (entry.subcharts.length === 0) {
      tasks.push(deleteTask(settings, entry.task, deps, entry.release, entry.app));
      continue;
    }
    const template = toDnsLabel(['delete', entry.task]);
    tasks.push(prune({ name: entry.task, template, dependencies: orUndefined(deps) }));
    templates.push(dagTemplate(template, applicationReverseTasks(settings, entry)));
  }
  return { tasks, templates };
}

function applicationReverseTasks(settings: Settings, entry: ExpandedApplication): DagTask[] {
  const subTasks = new Set(entry.subcharts.map((s) => s.task));
  const parent = uniqueName(entry.task, subTasks);
  const subNodes = entry.subcharts.map((s) => ({ name: s.task, dependencies: s.dependencies }));
  const reversed = reverseDependencies(subNodes);
  const lastForward = new Set(sinks(subNodes));
  const tasks = [deleteTask(settings, parent, [], entry.release, entry.app)];
  for (const sub of [...entry.subcharts].reverse()) {
    const deps = [...(lastForward.has(sub.task) ? [parent] : []), ...(reversed.get(sub.task) ?? [])];
    tasks.push(deleteTask(settings, sub.task, deps, sub.release, entry.app));
  }
  return tasks;
}

/** For each node, the nodes that depend on it. */
function reverseDependencies(nodes: readonly DagNode[]): Map<string, string[]> {
  const out = new Map<string, string[]>(nodes.map((n) => [n.name, []]));
  for (const node of nodes) for (const dep of node.dependencies ?? []) out.get(dep)?.push(node.name);
  return out;
}

function orUndefined<T>(list: T[]): T[] | undefined {
  return list.length > 0 ? list : undefined;
}

// ---- workflows ----

function workflowShell(
  group: ApplicationGroup,
  settings: Settings,
  type: WorkflowType,
  templates: Template[],
): Workflow {
  const uid = group.metadata.uid;
  return prune({
    apiVersion: ARGO_API_VERSION,
    kind: 'Workflow',
    metadata: {
      name: workflowName(group, settings.generation, type),
      namespace: settings.namespace,
      labels: objectLabels(group, settings, type),
      ownerReferences: uid
        ? [
            {
              apiVersion: APPLICATION_GROUP_API_VERSION,
              kind: APPLICATION_GROUP_KIND,
              name: group.metadata.name as string,
              uid,
              controller: true,
              blockOwnerDeletion: true,
            },
          ]
        : undefined,
    },
    spec: {
      entrypoint: type,
      serviceAccountName: settings.serviceAccountName,
      parallelism: group.spec.parallelism,
      templates,
    },
  });
}

/** A Workflow whose entrypoint DAG (named after its type) holds `tasks`, beside the nested `templates`. */
function dagWorkflow(
  group: ApplicationGroup,
  settings: Settings,
  type: WorkflowType,
  dag: { tasks: DagTask[]; templates: Template[] },
): Workflow {
  return workflowShell(group, settings, type, [dagTemplate(type, dag.tasks), ...dag.templates]);
}

function objectLabels(
  group: ApplicationGroup,
  settings: Settings,
  type: WorkflowType,
): Record<string, string> {
  return {
    [Labels.managedBy]: MANAGED_BY,
    [Labels.applicationGroup]: labelValue(group.metadata.name ?? ''),
    [Labels.generation]: String(settings.generation),
    [Labels.workflowType]: type,
  };
}

/** Every release of `apps`, subcharts before their parent. */
function releasesOf(apps: readonly ExpandedApplication[]): RenderedRelease[] {
  return apps.flatMap((a) => [...a.subcharts.map((s) => s.release), a.release]);
}

/**
 * Renders with inline HelmReleases when they fit (the payloads under INLINE_WORKFLOW_LIMIT in all,
 * none over INLINE_PARAMETER_LIMIT, and so the Workflow); otherwise, or when bundles are forced,
 * with references into release-bundle ConfigMaps, owned like the Workflow.
 */
function withBundles(
  group: ApplicationGroup,
  settings: Settings,
  type: WorkflowType,
  mode: BundleMode,
  releases: readonly RenderedRelease[],
  build: (encode: Encode) => Template[],
): RenderedWorkflow {
  if (mode === 'never' || (mode === 'auto' && payloadsFit(releases))) {
    const workflow = workflowShell(group, settings, type, build(inline));
    if (mode === 'never' || JSON.stringify(workflow).length <= INLINE_WORKFLOW_LIMIT) {
      return { workflow, configMaps: [] };
    }
  }
  const workflow = workflowShell(group, settings, type, []);
  const { encode, configMaps } = bundler(
    toDnsLabel([workflow.metadata.name as string, 'releases']),
    settings.namespace,
    objectLabels(group, settings, type),
  );
  workflow.spec.templates = build(encode);
  const owners = workflow.metadata.ownerReferences;
  for (const configMap of configMaps) if (owners) configMap.metadata.ownerReferences = owners;
  return { workflow, configMaps };
}

/** The Workflow that installs or upgrades every release of the group in dependency order. */
export function renderForwardWorkflow(
  group: ApplicationGroup,
  options: RenderOptions = {},
): RenderedWorkflow {
  const settings = settingsFor(group, options);
  const apps = expandApplications(group, settings);
  return withBundles(group, settings, 'forward', options.bundles ?? 'auto', releasesOf(apps), (encode) => {
    const { tasks, templates } = forwardTasks(settings, apps, encode, 'app');
    return [dagTemplate('forward', tasks), ...templates];
  });
}

/** The Workflow that deletes every release of the group, dependents before their dependencies. */
export function renderReverseWorkflow(
  group: ApplicationGroup,
  options: RenderOptions = {},
): RenderedWorkflow {
  const settings = settingsFor(group, options);
  const workflow = dagWorkflow(
    group,
    settings,
    'reverse',
    reverseTasks(settings, expandApplications(group, settings)),
  );
  return { workflow, configMaps: [] };
}

/**
 * The Workflow that undoes a failed generation: releases that the last successful spec does not have
 * are deleted (dependents first), then every release of the last successful spec is applied again in
 * its own order. Without a successful generation, everything of the failed spec is deleted.
 */
export function renderRollbackWorkflow(
  failed: ApplicationGroup,
  lastSucceeded: ApplicationGroup | undefined,
  options: RenderOptions = {},
): RenderedWorkflow {
  const settings = settingsFor(failed, options);
  const failedApps = expandApplications(failed, settings);
  if (!lastSucceeded) {
    return {
      workflow: dagWorkflow(failed, settings, 'rollback', reverseTasks(settings, failedApps)),
      configMaps: [],
    };
  }
  const restoreApps = expandApplications({ ...lastSucceeded, metadata: failed.metadata }, settings);
  const restoreReleases = releasesOf(restoreApps);
  const kept = new Set(restoreReleases.map((r) => r.name));
  const removeTasks = removalTasks(settings, failedApps, kept);
  return withBundles(failed, settings, 'rollback', options.bundles ?? 'auto', restoreReleases, (encode) => {
    const restore = forwardTasks(settings, restoreApps, encode, 'restore');
    const entry: DagTask[] = [];
    const templates: Template[] = [];
    if (removeTasks.length > 0) {
      entry.push({ name: 'remove', template: 'remove' });
      templates.push(dagTemplate('remove', removeTasks));
    }
    entry.push(
      prune({
        name: 'restore',
        template: 'restore',
        dependencies: removeTasks.length > 0 ? ['remove'] : undefined,
      }),
    );
    templates.push(dagTemplate('restore', restore.tasks), ...restore.templates);
    return [dagTemplate('rollback', entry), ...templates];
  });
}

/**
 * Delete tasks for the releases of `apps` not in `kept`, in one flat DAG: a release is deleted only
 * after every removed release that depends on it, directly or through kept ones.
 */
function removalTasks(settings: Settings, apps: ExpandedApplication[], kept: ReadonlySet<string>): DagTask[] {
  type Unit = { release: RenderedRelease; app: Application; dependsOn: string[] };
  const units = new Map<string, Unit>();
  const parentOf = new Map(apps.map((a) => [a.task, a.release.name]));
  for (const entry of apps) {
    const subNames = new Map(entry.subcharts.map((s) => [s.task, s.release.name]));
    const appDeps = entry.dependencies.map((d) => parentOf.get(d) as string);
    for (const sub of entry.subcharts) {
      const deps = sub.dependencies.map((d) => subNames.get(d) as string);
      units.set(sub.release.name, {
        release: sub.release,
        app: entry.app,
        dependsOn: deps.length > 0 ? deps : appDeps,
      });
    }
    const lastSubs = sinks(
      entry.subcharts.map((s) => ({
        name: s.release.name,
        dependencies: s.dependencies.map((d) => subNames.get(d) as string),
      })),
    );
    units.set(entry.release.name, {
      release: entry.release,
      app: entry.app,
      dependsOn: entry.subcharts.length > 0 ? lastSubs : appDeps,
    });
  }
  const removed = [...units.keys()].filter((name) => !kept.has(name));
  const removedSet = new Set(removed);
  // waitFor[y] = removed releases that must be deleted before y: the nearest removed dependents.
  const waitFor = new Map<string, string[]>(removed.map((name) => [name, []]));
  for (const name of removed) {
    const seen = new Set<string>();
    const stack = [...(units.get(name)?.dependsOn ?? [])];
    while (stack.length > 0) {
      const dep = stack.pop() as string;
      if (seen.has(dep)) continue;
      seen.add(dep);
      if (removedSet.has(dep)) waitFor.get(dep)?.push(name);
      else stack.push(...(units.get(dep)?.dependsOn ?? []));
    }
  }
  return removed.map((name) => {
    const unit = units.get(name) as Unit;
    return deleteTask(settings, name, waitFor.get(name) ?? [], unit.release, unit.app);
  });
}
