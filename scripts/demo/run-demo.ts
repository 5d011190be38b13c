// Applies examples/demo.yaml to a cluster (its chart URLs pointed at `chartsUrl`) and follows the
// group's status by watch, printing each application's progress, until it is Ready — or fails with
// the status's own message, or at the deadline with the last state seen. Never hangs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubeConfig, KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { customObjectFeed } from '../../executor/src/helm-release-feed.ts';
import { watchUntil } from '../../executor/src/watch-until.ts';
import type { ApplicationGroup } from '../../lib/api/application-group.ts';
import { createLogger } from '../../lib/log.ts';
import { progressLines, type Seen } from './progress.ts';

export const DEMO_GROUP = join(import.meta.dirname, '../../examples/demo.yaml');

export interface DemoOptions {
  kubeconfig: string;
  chartsUrl: string;
  namespace?: string;
  print: (line: string) => void;
  timeoutMs?: number;
}

/** The demo group, in `namespace`, its charts from `chartsUrl`. */
export function demoGroup(chartsUrl: string, namespace: string): ApplicationGroup {
  const group = parse(readFileSync(DEMO_GROUP, 'utf8')) as ApplicationGroup;
  group.metadata.namespace = namespace;
  for (const app of group.spec.applications) {
    app.spec.chart.url = chartsUrl;
    if (app.spec.release) app.spec.release.targetNamespace = namespace;
  }
  return group;
}

/** Resolves with the seconds from apply to Ready=True; throws with the reason otherwise. */
export async function runDemo({
  kubeconfig,
  chartsUrl,
  namespace = 'demo',
  print,
  timeoutMs = 300_000,
}: DemoOptions) {
  const kube = new KubeConfig();
  kube.loadFromFile(kubeconfig);
  const objects = KubernetesObjectApi.makeApiClient(kube);
  const apply = (object: object) =>
    objects.patch(
      object as never,
      undefined,
      undefined,
      'orkestra-demo',
      true,
      PatchStrategy.ServerSideApply,
    );
  const group = demoGroup(chartsUrl, namespace);
  const name = group.metadata.name as string;

  await apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  const feed = customObjectFeed<ApplicationGroup>(
    kube,
    { group: 'orkestra.azure.microsoft.com', version: 'v1alpha1', plural: 'applicationgroups' },
    namespace,
    name,
    `ApplicationGroup ${namespace}/${name}`,
  );
  const log = createLogger('text');
  log.silent = true;
  const deadline = Date.now() + timeoutMs;
  const watching = { deadline, signal: AbortSignal.timeout(timeoutMs + 5_000), log };

  // A fresh rollout each time: the group of an earlier run (Ready or failed) is uninstalled first.
  if ((await feed.read()).object) {
    print('Uninstalling the demo group of an earlier run…');
    await objects.delete(group as never);
    await watchUntil(feed, (current) => (current ? undefined : true), watching);
  }
  const started = performance.now();
  await apply(group);
  print(`Applied ApplicationGroup ${namespace}/${name} (${group.spec.applications.length} applications).`);

  let seen: Seen = new Map();
  let last: ApplicationGroup | undefined;
  const outcome = await watchUntil(
    feed,
    (current): { seconds: number } | { error: string } | undefined => {
      if (!current) return { error: `ApplicationGroup ${namespace}/${name} was deleted` };
      last = current;
      const seconds = (performance.now() - started) / 1000;
      const progress = progressLines(seen, current.status?.applications ?? pending(current), seconds);
      seen = progress.seen;
      for (const line of progress.lines) print(line);
      const ready = current.status?.conditions?.find((c) => c.type === 'Ready');
      if (current.status?.observedGeneration !== current.metadata.generation || !ready) return undefined;
      if (ready.status === 'True') return { seconds };
      if (ready.status === 'False') return { error: `${ready.reason}: ${ready.message}` };
      return undefined;
    },
    watching,
  ).catch((error: unknown) => {
    const ready = last?.status?.conditions?.find((c) => c.type === 'Ready');
    return {
      error: `${(error as Error).message}; last seen: ${ready ? `${ready.status} ${ready.reason}: ${ready.message}` : 'no status yet (is the controller running?)'}`,
    };
  });
  if ('error' in outcome) throw new Error(`The demo group did not become Ready: ${outcome.error}`);
  print(
    `ApplicationGroup ${namespace}/${name} is Ready: ${group.spec.applications.length} applications in ${outcome.seconds.toFixed(1)}s.`,
  );
  return outcome.seconds;
}

/** Before the controller writes status: every application waiting. */
function pending(group: ApplicationGroup) {
  return group.spec.applications.map((a) => ({ name: a.name, phase: 'Pending' as const }));
}
