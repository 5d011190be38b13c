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
import { type EffectivePolicy, policyFor, ruleName } from '../../lib/policy/policy.ts';
import type { ActionContext } from './context.ts';
import { callCluster } from './kube-errors.ts';
import { request } from './stage/remote.ts';

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
  return addressGuard(policyFor(home, await listPolicies(context)), '--chart-url');
}

/** Throws (exit 2, naming `field`) when a URL's host resolves to an address the policy refuses. */
function addressGuard(policy: EffectivePolicy, field: string): (url: URL) => Promise<void> {
  const cluster = knownAddresses(process.env);
  return async (url) => {
    const host = hostOf(url.toString());
    if (host === undefined) return;
    const addresses = isIP(host) ? [host] : await resolveHost(host);
    for (const address of addresses) {
      const why = refusedAddress(address, cluster, policy);
      if (why) {
        throw new InvalidInputError(field, [
          {
            path: field,
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
  source: { kind?: unknown; spec?: { url?: unknown; type?: unknown } } | undefined,
  what: string,
): Promise<void> {
  const home = context.rules.home;
  if (home === undefined) return;
  const policies = await listPolicies(context);
  const url = source?.spec?.url;
  const host = typeof url === 'string' ? hostOf(url) : undefined;
  const resolved = new Map(host === undefined ? [] : [[host, await resolveHost(host)]]);
  const policy = policyFor(home, policies);
  const problems = checkReleasePolicy(
    helmRelease as unknown as Record<string, unknown>,
    source as Record<string, unknown> | undefined,
    home,
    { policy, cluster: knownAddresses(process.env), resolved },
  );
  if (problems.length > 0) throw new InvalidInputError(what, problems);
  if (isHttpHelmRepository(source) && typeof url === 'string')
    await probeRedirects(context, url, addressGuard(policy, 'source.spec.url'));
}

/** How long the redirect probe of a chart repository may take; no answer is Flux's to report. */
const PROBE_MS = 10_000;

function isHttpHelmRepository(
  source: { kind?: unknown; spec?: { url?: unknown; type?: unknown } } | undefined,
) {
  const url = source?.spec?.url;
  return (
    source?.kind === 'HelmRepository' &&
    source.spec?.type !== 'oci' &&
    typeof url === 'string' &&
    /^https?:\/\//.test(url)
  );
}

/**
 * Before Flux is given an HTTP(S) chart repository, the index it will fetch is asked for once
 * (HEAD), each redirect checked against the policy's addresses before it is followed: a
 * repository that sends its clients to the metadata service is refused (exit 2) and never applied.
 * source-controller fetches it again later, on its own, and a server may answer it otherwise; only
 * an egress policy on source-controller closes that (docs/security.md).
 */
async function probeRedirects(context: ActionContext, url: string, guard: (url: URL) => Promise<void>) {
  try {
    await request(
      'the chart repository',
      `${url.replace(/\/+$/, '')}/index.yaml`,
      { method: 'HEAD' },
      {
        log: context.log,
        signal: context.signal,
        deadline: Math.min(context.deadline, Date.now() + PROBE_MS),
        guard,
      },
    );
  } catch (error) {
    // Refused by the guard; anything else (no answer, a status) is Flux's to report, as before.
    if (error instanceof InvalidInputError || context.signal.aborted) throw error;
  }
}
