// PURE: a container's environment as the kubelet sets it (values, fieldRefs, keys of the Secrets
// it read) and `$(VAR)` references expanded in its command and args.
import type { V1Container, V1Pod } from '@kubernetes/client-node';

/**
 * What the kubelet does to each command and arg before it starts a container
 * (pkg/kubelet/container/helpers.go ExpandContainerCommandAndArgs, the expansion package of
 * third_party/forked/golang): `$(NAME)` becomes the container's env var NAME, or stays as written
 * when there is none; `$$` becomes `$`; any other `$` stays.
 */
export function expandKubeletReferences(input: string, env: Readonly<Record<string, string>>): string {
  return input.replace(/\$(\$|\(([^)]*)\))/g, (whole, next: string, name: string | undefined) => {
    if (next === '$') return '$';
    return name !== undefined && Object.hasOwn(env, name) ? (env[name] as string) : whole;
  });
}

/** A container's env as plain values; fieldRefs to the pod itself are resolved, others rejected. */
/** Secrets by name, their data decoded; a Secret that does not exist is absent. */
export type SecretData = ReadonlyMap<string, Readonly<Record<string, string>>>;

/** The Secrets a container's env reads (secretKeyRef), for the kubelet to fetch. */
export function referencedSecrets(container: V1Container | undefined): string[] {
  const names = (container?.env ?? []).flatMap((v) =>
    v.valueFrom?.secretKeyRef ? [v.valueFrom.secretKeyRef.name ?? ''] : [],
  );
  return [...new Set(names)];
}

export function containerEnv(
  pod: V1Pod,
  container: V1Container,
  secrets: SecretData = new Map(),
): { env: Record<string, string> } | { problem: string } {
  const fields: Record<string, string | undefined> = {
    'metadata.name': pod.metadata?.name,
    'metadata.namespace': pod.metadata?.namespace,
    'metadata.uid': pod.metadata?.uid,
    'spec.serviceAccountName': pod.spec?.serviceAccountName,
    'spec.nodeName': pod.spec?.nodeName,
  };
  const env: Record<string, string> = {};
  for (const variable of container.env ?? []) {
    if (variable.valueFrom === undefined) {
      env[variable.name] = variable.value ?? '';
      continue;
    }
    const secretRef = variable.valueFrom.secretKeyRef;
    if (secretRef) {
      // As the kubelet: an optional key of an optional (or missing) Secret is simply not set.
      const secretName = secretRef.name ?? '';
      const value = secrets.get(secretName)?.[secretRef.key];
      if (value !== undefined) env[variable.name] = value;
      else if (!secretRef.optional) {
        const what = secrets.has(secretName) ? `key ${secretRef.key} not found in` : 'no';
        return { problem: `env ${variable.name}: ${what} Secret "${secretName}"` };
      }
      continue;
    }
    const fieldPath = variable.valueFrom.fieldRef?.fieldPath;
    const value = fieldPath ? fields[fieldPath] : undefined;
    if (value === undefined) {
      return {
        problem: `env ${variable.name}: the test kubelet resolves only secretKeyRefs and fieldRefs to ${Object.keys(fields).join(', ')}`,
      };
    }
    env[variable.name] = value;
  }
  return { env };
}
