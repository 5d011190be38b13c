// The executor's side of the ReleasePolicy: in a pod (a Workflow step, the plugin), what it applies
// passes the policy of the Workflow's own namespace — the same rules the controller checks a group
// against — so a Workflow written by hand gets no more than a group would. At a terminal the user's
// own rights are the limit, and nothing is checked here.

import { isIP } from 'node:net';
import { CustomObjectsApi } from '@kubernetes/client-node';
import type { HelmRelease } from '../../lib/api/flux.ts';
import { RELEASE_POLICIES, type ReleasePolicy } from '../../lib/api/release-policy.ts';
import { InvalidInputError } from '../../lib/errors.ts';
import { hostOf, refusedAddress } from '../../lib/policy/addresses.ts';
import { checkReleasePolicy } from '../../lib/policy/check-release.ts';
import { resolveHost } from '../../lib/policy/cluster-view.ts';
import { policyFor, ruleName } from '../../lib/policy/policy.ts';
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

async function listPolicies(context: ActionContext): Promise<ReleasePolicy[]> {
  const api = context.kube.makeApiClient(CustomObjectsApi);
  const list = (await callCluster(context, 'Listing ReleasePolicies', () =>
    api.listClusterCustomObject({ ...RELEASE_POLICIES }),
  )) as { items: ReleasePolicy[] };
  return list.items;
}

/**
 * In a pod, a check for each URL the stage step fetches a chart from (the first and every
 * redirect's): every address its host resolves to must be one the policy of the pod's namespace
 * allows (exit 2 otherwise, before anything is requested from it). At a terminal, none.
 */
export async function chartSourceGuard(
  context: ActionContext,
): Promise<((url: URL) => Promise<void>) | undefined> {
  const home = context.rules.home;
  if (home === undefined) return undefined;
  const policy = policyFor(home, await listPolicies(context));
  const cluster = knownAddresses(process.env);
  return async (url) => {
    const host = hostOf(url.toString());
    if (host === undefined) return;
    const addresses = isIP(host) ? [host] : await resolveHost(host);
    for (const address of addresses) {
      const why = refusedAddress(address, cluster, policy);
      if (why) {
        throw new InvalidInputError('--chart-url', [
          {
            path: '--chart-url',
            message: `${url.origin}${url.pathname} is not fetched: charts may not come from ${why} (${ruleName(policy)})`,
          },
        ]);
      }
    }
  };
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
  const policies = await listPolicies(context);
  const url = source?.spec?.url;
  const host = typeof url === 'string' ? hostOf(url) : undefined;
  const resolved = new Map(host === undefined ? [] : [[host, await resolveHost(host)]]);
  const problems = checkReleasePolicy(
    helmRelease as unknown as Record<string, unknown>,
    source as Record<string, unknown> | undefined,
    home,
    { policy: policyFor(home, policies), cluster: knownAddresses(process.env), resolved },
  );
  if (problems.length > 0) throw new InvalidInputError(what, problems);
}
