// The Workflow object around the tasks: name, labels, owner, entrypoint; and the choice between
// inline HelmReleases and release bundles for the whole Workflow.
import type { ApplicationGroup } from '../../../lib/api/application-group.ts';
import { APPLICATION_GROUP_API_VERSION, APPLICATION_GROUP_KIND } from '../../../lib/api/application-group.ts';
import { ARGO_API_VERSION, type Template, type Workflow } from '../../../lib/api/argo.ts';
import { toDnsLabel } from '../../../lib/names.ts';
import { ARGO_INSTANCE_LABEL, Labels, MANAGED_BY } from '../../../lib/wire-names.ts';
import { prune } from '../../../lib/yaml.ts';
import { labelValue, type RenderedRelease } from './helm-release.ts';
import { bundler, type Encode, INLINE_WORKFLOW_LIMIT, inline, payloadsFit } from './payloads.ts';
import {
  type BundleMode,
  type RenderedWorkflow,
  type Settings,
  type WorkflowType,
  workflowName,
} from './settings.ts';
import { splitLargeDags } from './split-dags.ts';
import { waitTask } from './tasks.ts';

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
    ...(settings.attempt > 0 ? { [Labels.attempt]: String(settings.attempt) } : {}),
    ...(settings.argoInstanceId ? { [ARGO_INSTANCE_LABEL]: settings.argoInstanceId } : {}),
  };
}

export function workflowShell(
  group: ApplicationGroup,
  settings: Settings,
  type: WorkflowType,
  templates: Template[],
): Workflow {
  const uid = group.metadata.uid;
  const name = workflowName(group, settings.generation, type, settings.attempt);
  const workflow: Workflow = prune({
    apiVersion: ARGO_API_VERSION,
    kind: 'Workflow',
    metadata: {
      name,
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
  return splitLargeDags(
    workflow,
    (task, node, scope) => waitTask(settings, name, task, node, scope),
    settings.dagTaskLimit,
  );
}

/**
 * Renders with inline HelmReleases when they fit (the payloads under INLINE_WORKFLOW_LIMIT in all,
 * none over INLINE_PARAMETER_LIMIT, and so the Workflow); otherwise, or when bundles are forced,
 * with references into release-bundle ConfigMaps, owned like the Workflow.
 */
export function withBundles(
  group: ApplicationGroup,
  settings: Settings,
  type: WorkflowType,
  mode: BundleMode,
  releases: readonly RenderedRelease[],
  build: (encode: Encode) => Template[],
): RenderedWorkflow {
  const applies = releases.flatMap((r) => [r.helmRelease, r.source]);
  if (mode === 'never' || (mode === 'auto' && payloadsFit(releases))) {
    const workflow = workflowShell(group, settings, type, build(inline));
    if (mode === 'never' || JSON.stringify(workflow).length <= INLINE_WORKFLOW_LIMIT) {
      return { workflow, configMaps: [], applies };
    }
  }
  const { encode, configMaps } = bundler(
    toDnsLabel([workflowName(group, settings.generation, type, settings.attempt), 'releases']),
    settings.namespace,
    objectLabels(group, settings, type),
  );
  const workflow = workflowShell(group, settings, type, build(encode));
  const owners = workflow.metadata.ownerReferences;
  for (const configMap of configMaps) if (owners) configMap.metadata.ownerReferences = owners;
  return { workflow, configMaps, applies };
}
