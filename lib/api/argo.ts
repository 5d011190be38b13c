import type { ObjectMeta } from './meta.ts';

export const ARGO_GROUP = 'argoproj.io';
export const ARGO_VERSION = 'v1alpha1';
export const ARGO_API_VERSION = `${ARGO_GROUP}/${ARGO_VERSION}` as const;

export interface Parameter {
  name: string;
  value?: string;
  default?: string;
  description?: string;
}

export interface TemplateRef {
  name: string;
  template: string;
  clusterScope?: boolean;
}

export interface DagTask {
  name: string;
  template?: string;
  templateRef?: TemplateRef;
  dependencies?: string[];
  arguments?: { parameters?: Parameter[] };
}

export interface Template {
  name: string;
  dag?: { tasks: DagTask[] };
  inputs?: { parameters?: Parameter[] };
  outputs?: { parameters?: Array<{ name: string; valueFrom: { path: string; default?: string } }> };
  container?: Record<string, unknown>;
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  [extra: string]: unknown;
}

export interface WorkflowSpec {
  entrypoint: string;
  serviceAccountName?: string;
  parallelism?: number;
  arguments?: { parameters?: Parameter[] };
  templates: Template[];
  [extra: string]: unknown;
}

export interface Workflow {
  apiVersion: typeof ARGO_API_VERSION;
  kind: 'Workflow';
  metadata: ObjectMeta;
  spec: WorkflowSpec;
  status?: {
    phase?: string;
    message?: string;
    nodes?: Record<string, unknown>;
    /** status.nodes as gzip then base64, which Argo writes instead once the Workflow passes 1 MiB. */
    compressedNodes?: string;
  };
}

export interface WorkflowTemplate {
  apiVersion: typeof ARGO_API_VERSION;
  kind: 'WorkflowTemplate' | 'ClusterWorkflowTemplate';
  metadata: ObjectMeta;
  spec: Omit<WorkflowSpec, 'entrypoint'> & { entrypoint?: string };
}
