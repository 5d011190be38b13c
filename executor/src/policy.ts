// The executor's side of the ReleasePolicy: in a pod (a Workflow step, the plugin), what it applies
// passes the policy of the Workflow's own namespace — the same rules the controller checks a group
// against — so a Workflow written by hand gets no more than a group would. At a terminal the user's
// own rights are the limit, and nothing is checked here.
import { CustomObjectsApi } from '@kubernetes/client-node';
import type { HelmRelease } from '../../lib/api/flux.ts';
import { RELEASE_POLICIES, type ReleasePolicy } from '../../lib/api/release-policy.ts';
import { InvalidInputError } from '../../lib/errors.ts';
import { hostOf } from '../../lib/policy/addresses.ts';
import { checkReleasePolicy } from '../../lib/policy/check-release.ts';
import { resolveHost } from '../../lib/policy/cluster-view.ts';
import { policyFor } from '../../lib/policy/policy.ts';
import type { ActionContext } from './context.ts';
import { callCluster } from './kube-errors.ts';

/**
 * The cluster's addresses the executor knows without listing Nodes (which its ServiceAccount may
 * not): its own node's (ORKESTRA_NODE_IP, the downward API's status.hostIP) and the API server's
 * Service address (KUBERNETES_SERVICE_HOST). The controller, which may list Nodes, checks a
 * group's chart URLs against every node.
 */
function knownAddresses(env: NodeJS.ProcessEnv) {
  const present = (value: string | undefined) => (value ? [value] : []);
  return { nodes: present(env.ORKESTRA_NODE_IP), apiServer: present(env.KUBERNETES_SERVICE_HOST) };
}

/** Refuses (exit 2, naming each field and rule) what the policy of the pod's namespace does not allow. */
export async function enforcePolicy(
  context: ActionContext,
  helmRelease: HelmRelease,
  source: { spec?: { url?: unknown } } | undefined,
  what: string,
): Promise<void> {
  const home = context.rules.home;
  if (home === undefined) return;
  const api = context.kube.makeApiClient(CustomObjectsApi);
  const list = (await callCluster(context, 'Listing ReleasePolicies', () =>
    api.listClusterCustomObject({ ...RELEASE_POLICIES }),
  )) as { items: ReleasePolicy[] };
  const url = source?.spec?.url;
  const host = typeof url === 'string' ? hostOf(url) : undefined;
  const resolved = new Map(host === undefined ? [] : [[host, await resolveHost(host)]]);
  const problems = checkReleasePolicy(
    helmRelease as unknown as Record<string, unknown>,
    source as Record<string, unknown> | undefined,
    home,
    { policy: policyFor(home, list.items), cluster: knownAddresses(process.env), resolved },
  );
  if (problems.length > 0) throw new InvalidInputError(what, problems);
}
