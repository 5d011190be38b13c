// PURE: what of a HelmRelease (and its source) the policy of the namespace it is applied from
// refuses — the executor's own check, for Workflows written by hand as much as for the controller's.
// The rules are the group check's (check-group.ts), read off the HelmRelease's fields, plus what
// a group cannot express but a hand-written HelmRelease can: another cluster (spec.kubeConfig),
// another namespace's source, dependency or ServiceAccount.

import type { Problem } from '../errors.ts';
import { STAGING_SECRET } from '../staging-auth.ts';
import { chartSourceProblems, type PolicyView } from './check-group.ts';
import { ruleName, targetAllowed, targetRule } from './policy.ts';

type Fields = Record<string, unknown>;
const fieldsOf = (value: unknown): Fields =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Fields) : {};

/** `value` shown in a message only when it is a plain name (the input may hold anything). */
const shown = (value: unknown) =>
  typeof value === 'string' && /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(value)
    ? `"${value}"`
    : '(a value that is not a name)';

/**
 * Every problem the policy of namespace `home` (the Workflow's own, read from the pod) has with
 * the HelmRelease and source, each naming the field and the rule.
 */
export function checkReleasePolicy(
  helmRelease: Fields,
  source: Fields | undefined,
  home: string,
  view: PolicyView,
): Problem[] {
  const { policy } = view;
  const problems: Problem[] = [];
  const refuse = (path: string, message: string) => problems.push({ path, message });
  if (policy.ambiguous) {
    refuse(
      'helmrelease',
      `several ReleasePolicies select namespace "${home}" (${policy.ambiguous.join(', ')}): nothing is released until exactly one does`,
    );
    return problems;
  }
  const spec = fieldsOf(helmRelease.spec);
  const local = (value: unknown, path: string) => {
    if (value !== undefined && value !== home)
      refuse(
        path,
        `${shown(value)} is another namespace: references stay in the Workflow's own namespace "${home}"`,
      );
  };

  if (spec.kubeConfig !== undefined)
    refuse(
      'helmrelease.spec.kubeConfig',
      'releases act on this cluster as the policy says, not through a kubeconfig',
    );
  local(
    fieldsOf(fieldsOf(fieldsOf(spec.chart).spec).sourceRef).namespace,
    'helmrelease.spec.chart.spec.sourceRef.namespace',
  );
  local(fieldsOf(spec.chartRef).namespace, 'helmrelease.spec.chartRef.namespace');
  if (Array.isArray(spec.dependsOn)) {
    spec.dependsOn.forEach((d, i) => {
      local(fieldsOf(d).namespace, `helmrelease.spec.dependsOn[${i}].namespace`);
    });
  }
  if (Array.isArray(spec.valuesFrom)) {
    spec.valuesFrom.forEach((v, i) => {
      local(fieldsOf(v).namespace, `helmrelease.spec.valuesFrom[${i}].namespace`);
    });
  }

  const account = spec.serviceAccountName ?? '';
  if (account !== policy.serviceAccountName) {
    const wanted = policy.serviceAccountName
      ? `must be "${policy.serviceAccountName}"`
      : 'must not be set (releases run with helm-controller’s own rights)';
    refuse(
      'helmrelease.spec.serviceAccountName',
      `${wanted}: ${ruleName(policy)} says so (it is ${account === '' ? 'not set' : shown(account)})`,
    );
  }
  for (const field of ['targetNamespace', 'storageNamespace'] as const) {
    const namespace = spec[field];
    if (namespace !== undefined && (typeof namespace !== 'string' || !targetAllowed(policy, home, namespace)))
      refuse(
        `helmrelease.spec.${field}`,
        `${shown(namespace)} is not a namespace releases of "${home}" may use: ${targetRule(policy, home)}`,
      );
  }
  if (fieldsOf(spec.install).createNamespace === true && !policy.createNamespace)
    refuse(
      'helmrelease.spec.install.createNamespace',
      `releases may not create namespaces: ${ruleName(policy)} does not allow it`,
    );

  if (source) {
    const sourceSpec = fieldsOf(source.spec);
    const url = sourceSpec.url;
    if (typeof url === 'string') {
      for (const message of chartSourceProblems(url, view)) refuse('source.spec.url', message);
      // The namespace's staging credentials are the exception: they open only its own folder of the
      // staging registry (plain HTTP inside the cluster), which anyone who could send them already holds.
      const secret = fieldsOf(sourceSpec.secretRef).name;
      const credentials = sourceSpec.secretRef !== undefined && secret !== STAGING_SECRET;
      const plain = url.startsWith('http://') || (url.startsWith('oci://') && sourceSpec.insecure === true);
      if (credentials && plain && !policy.sources.insecure)
        refuse(
          'source.spec.secretRef',
          `credentials would be sent over plain HTTP: ${ruleName(policy)} does not allow insecure sources`,
        );
    }
  }
  return problems;
}
