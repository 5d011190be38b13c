// Argo's record of a Workflow's nodes, read by the controller (progress) and the executor (waits).
import { gunzipSync } from 'node:zlib';
import type { Workflow } from './api/argo.ts';

export interface WorkflowNode {
  id?: string;
  name: string;
  children?: string[];
  displayName?: string;
  type: string;
  phase?: string;
  message?: string;
  outputs?: { parameters?: Array<{ name: string; value?: string }> };
}

/**
 * The Workflow's nodes, wherever Argo keeps them: in status.nodes, or, once the Workflow is larger
 * than the workflow-controller's MAX_WORKFLOW_SIZE (1 MiB by default), gzipped and base64-encoded in
 * status.compressedNodes.
 */
export function workflowNodes(workflow: Workflow): Record<string, WorkflowNode> {
  const { nodes, compressedNodes } = workflow.status ?? {};
  if (nodes) return nodes as Record<string, WorkflowNode>;
  if (!compressedNodes) return {};
  return JSON.parse(gunzipSync(Buffer.from(compressedNodes, 'base64')).toString('utf8'));
}
