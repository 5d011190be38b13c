// Prometheus metrics of the controller (prom-client): passes by result and duration, Workflows
// created by type, and groups by the reason of their Ready condition, counted from the cache at
// each scrape. Served at /metrics with the process's own default metrics.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { ApplicationGroup } from '../../../lib/api/application-group.ts';

export interface ControllerMetrics {
  registry: Registry;
  reconciled: (seconds: number, result: 'success' | 'error') => void;
  workflowCreated: (type: string) => void;
}

/** The phase a group is in for the gauge: its Ready condition's reason, or `Pending` before any. */
export function groupPhase(group: ApplicationGroup): string {
  return group.status?.conditions?.find((c) => c.type === 'Ready')?.reason ?? 'Pending';
}

export function controllerMetrics(groups: () => readonly ApplicationGroup[]): ControllerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const passes = new Counter({
    name: 'orkestra_reconciles_total',
    help: 'Reconcile passes of ApplicationGroups, by result',
    labelNames: ['result'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'orkestra_reconcile_duration_seconds',
    help: 'How long a reconcile pass took',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const workflows = new Counter({
    name: 'orkestra_workflows_created_total',
    help: 'Workflows the controller created, by type (forward, reverse)',
    labelNames: ['type'],
    registers: [registry],
  });
  new Gauge({
    name: 'orkestra_application_groups',
    help: 'ApplicationGroups by the reason of their Ready condition (Pending before any)',
    labelNames: ['phase'],
    registers: [registry],
    collect() {
      this.reset();
      for (const group of groups()) this.inc({ phase: groupPhase(group) });
    },
  });
  return {
    registry,
    reconciled: (seconds, result) => {
      passes.inc({ result });
      duration.observe(seconds);
    },
    workflowCreated: (type) => workflows.inc({ type }),
  };
}
