import type { Json } from '../yaml.ts';

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  creationTimestamp?: string;
  deletionTimestamp?: string;
}

/** metav1.Condition */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime: string;
}

export interface LocalObjectReference {
  name: string;
}

export interface ConfigMap {
  apiVersion: 'v1';
  kind: 'ConfigMap';
  metadata: ObjectMeta;
  data?: Record<string, string>;
}

export type Values = { [key: string]: Json };

/** Labels every object Orkestra creates carries. */
export const Labels = {
  managedBy: 'app.kubernetes.io/managed-by',
  applicationGroup: 'orkestra.azure.microsoft.com/application-group',
  application: 'orkestra.azure.microsoft.com/application',
  subchart: 'orkestra.azure.microsoft.com/subchart',
  generation: 'orkestra.azure.microsoft.com/generation',
  workflowType: 'orkestra.azure.microsoft.com/workflow-type',
} as const;
export const MANAGED_BY = 'orkestra';
