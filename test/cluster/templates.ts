// The objects that make a namespace ready for Workflows calling the Orkestra templates, exactly as
// shipped in workflow-templates/: the executor's ServiceAccount and RBAC and the
// orkestra-helmrelease WorkflowTemplate; plus the cluster-scoped ClusterWorkflowTemplate twin.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { EXECUTOR_IMAGE_PLACEHOLDER } from '../../scripts/generated-files.ts';
import { REPO_ROOT } from './components.ts';
import { projectImageRefs } from './node/images.ts';

export interface ManifestObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** The namespace the control plane prepares for hand-written Workflows (as the chart would). */
export const TEMPLATES_NAMESPACE = 'orkestra';

/** The file's objects, with the executor image built for the node in place of the placeholder (as users sed it). */
function manifests(path: string): ManifestObject[] {
  const text = readFileSync(join(REPO_ROOT, path), 'utf8').replaceAll(
    EXECUTOR_IMAGE_PLACEHOLDER,
    projectImageRefs().executor,
  );
  return parseAllDocuments(text)
    .map((d) => d.toJS() as ManifestObject | null)
    .filter((o): o is ManifestObject => o !== null);
}

/** ServiceAccount, Role, RoleBinding and WorkflowTemplate, placed in `namespace`. */
export function namespacedTemplateObjects(namespace: string): ManifestObject[] {
  return [
    ...manifests('workflow-templates/rbac/executor.yaml'),
    ...manifests('workflow-templates/orkestra-helmrelease.yaml'),
  ].map((o) => ({ ...o, metadata: { ...o.metadata, namespace } }));
}

export function clusterTemplateObjects(): ManifestObject[] {
  return manifests('workflow-templates/generated/orkestra-helmrelease.cluster.yaml');
}
