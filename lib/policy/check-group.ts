// PURE: what of an ApplicationGroup's spec its namespace's policy refuses, each problem naming the
// application, the field and the rule. The controller checks a spec before any Workflow of it is
// created (and a spec it would roll back to), so nothing of a refused spec is applied.
import type { ApplicationGroupSpec } from '../api/application-group.ts';
import type { Problem } from '../errors.ts';
import { type ClusterAddresses, hostOf, refusedAddress } from './addresses.ts';
import { type EffectivePolicy, matchesPattern, ruleName, targetAllowed, targetRule } from './policy.ts';

/** What the check knows of the world: the cluster's addresses, and what chart hosts resolved to. */
export interface PolicyView {
  policy: EffectivePolicy;
  cluster: ClusterAddresses;
  /** Each chart URL's host name → its addresses; a name missing here did not resolve. */
  resolved: ReadonlyMap<string, readonly string[]>;
}

/** The problems of a chart URL under the policy: a URL pattern it matches none of, or a refused address. */
export function chartSourceProblems(url: string, view: PolicyView): string[] {
  const { policy } = view;
  const problems: string[] = [];
  const urls = policy.sources.urls;
  if (urls && !urls.some((pattern) => matchesPattern(pattern, url))) {
    problems.push(
      `${JSON.stringify(url)} matches none of the chart sources ${ruleName(policy)} allows (${urls.map((u) => JSON.stringify(u)).join(', ')})`,
    );
  }
  const host = hostOf(url);
  if (host !== undefined) {
    const addresses = view.resolved.get(host) ?? [host];
    for (const address of addresses) {
      const why = refusedAddress(address, view.cluster, policy);
      if (why) {
        const via = address === host ? '' : ` (${host} resolves to it)`;
        problems.push(`charts may not be fetched from ${why}${via}: ${ruleName(policy)} refuses it`);
        break;
      }
    }
  }
  return problems;
}

/** Every chart URL host of a spec: what the shell resolves before the check. */
export function chartHosts(spec: ApplicationGroupSpec): string[] {
  const hosts = (spec.applications ?? []).flatMap((app) => {
    const host = hostOf(app.spec?.chart?.url ?? '');
    return host === undefined ? [] : [host];
  });
  return [...new Set(hosts)];
}

/** What the policy of namespace `home` refuses in `spec`; empty when it allows all of it. */
export function checkGroupPolicy(spec: ApplicationGroupSpec, home: string, view: PolicyView): Problem[] {
  const { policy } = view;
  if (policy.ambiguous) {
    return [
      {
        path: 'metadata.namespace',
        message: `several ReleasePolicies select namespace "${home}" (${policy.ambiguous.join(', ')}): nothing is released until exactly one does`,
      },
    ];
  }
  const problems: Problem[] = [];
  for (const app of spec.applications ?? []) {
    const at = `spec.applications[${JSON.stringify(app.name)}].spec`;
    const release = app.spec?.release;
    const target = release?.targetNamespace;
    if (target !== undefined && !targetAllowed(policy, home, target)) {
      problems.push({
        path: `${at}.release.targetNamespace`,
        message: `"${target}" is not a namespace this group may release into: ${targetRule(policy, home)}`,
      });
    }
    if (release?.install?.createNamespace === true && !policy.createNamespace) {
      problems.push({
        path: `${at}.release.install.createNamespace`,
        message: `releases may not create namespaces: ${ruleName(policy)} does not allow it`,
      });
    }
    const chart = app.spec?.chart;
    if (!chart) continue;
    for (const message of chartSourceProblems(chart.url, view))
      problems.push({ path: `${at}.chart.url`, message });
    const secret = chart.authSecretRef;
    if (secret?.namespace !== undefined && secret.namespace !== home) {
      problems.push({
        path: `${at}.chart.authSecretRef.namespace`,
        message: `credentials must be a Secret of the group's own namespace "${home}", not of "${secret.namespace}"`,
      });
    }
    if (secret && chart.url.startsWith('http://') && !policy.sources.insecure) {
      problems.push({
        path: `${at}.chart.authSecretRef`,
        message: `credentials would be sent over plain http://: ${ruleName(policy)} does not allow insecure sources`,
      });
    }
  }
  return problems;
}
