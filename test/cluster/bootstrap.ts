// Talking to the fresh API server before any client is set up: its kubeconfig, server-side apply
// of manifests through REST paths, CRDs applied and waited on until Established, and tokens for
// ServiceAccounts (TokenRequest).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from './components.ts';
import { httpRequest } from './http.ts';
import type { ManifestObject } from './templates.ts';
import { waitFor } from './wait.ts';

const FIELD_MANAGER = 'orkestra-test-harness';

/**
 * CRD files installed at start by planes without a node (no chart install): Orkestra's, and those of
 * the Argo and Flux the chart runs (its argo-crds and flux-crds subcharts).
 */
export function crdFiles(): string[] {
  const chart = join(REPO_ROOT, 'chart/orkestra');
  const dirs = [
    join(chart, 'crds'),
    join(chart, 'charts/argo-crds/crds'),
    join(chart, 'charts/flux-crds/crds'),
  ];
  return dirs.flatMap((dir) =>
    readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => join(dir, f)),
  );
}

/** A kubeconfig for `server` as `user` with a bearer token. */
export function kubeconfigYaml(
  server: string,
  caData: string,
  token: string,
  { user = 'admin', namespace = 'default' } = {},
): string {
  return `apiVersion: v1
kind: Config
clusters:
  - name: orkestra-test
    cluster: {server: "${server}", certificate-authority-data: ${caData}}
users:
  - name: ${user}
    user: {token: ${token}}
contexts:
  - name: orkestra-test
    context: {cluster: orkestra-test, user: ${user}, namespace: ${namespace}}
current-context: orkestra-test
`;
}

/** Server-side applies one object through the API server's REST path for it. */
export async function serverSideApply(server: string, token: string, object: ManifestObject) {
  const [group, version] = object.apiVersion.includes('/')
    ? object.apiVersion.split('/')
    : ['', object.apiVersion];
  const base = group ? `/apis/${group}/${version}` : `/api/${version}`;
  const scope = object.metadata.namespace ? `/namespaces/${object.metadata.namespace}` : '';
  const plural = `${object.kind.toLowerCase()}s`;
  const url = `${server}${base}${scope}/${plural}/${object.metadata.name}?fieldManager=${FIELD_MANAGER}&force=true`;
  const response = await httpRequest(url, {
    method: 'PATCH',
    token,
    body: JSON.stringify(object),
    contentType: 'application/apply-patch+yaml',
  });
  if (response.status >= 300)
    throw new Error(
      `Applying ${object.kind} ${object.metadata.name} failed (${response.status}): ${response.body}`,
    );
}

/**
 * Server-side applies every CRD (Argo's are too large for a client-side apply's annotation) and
 * waits until each is Established.
 */
export async function installCrds(server: string, token: string, files: string[]): Promise<void> {
  const names: string[] = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
      const crd = doc.toJS();
      if (crd?.kind !== 'CustomResourceDefinition') continue;
      const url = `${server}/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}?fieldManager=${FIELD_MANAGER}&force=true`;
      const response = await httpRequest(url, {
        method: 'PATCH',
        token,
        body: JSON.stringify(crd),
        contentType: 'application/apply-patch+yaml',
      });
      if (response.status >= 300) {
        throw new Error(
          `Applying CRD ${crd.metadata.name} from ${file} failed (${response.status}): ${response.body}`,
        );
      }
      names.push(crd.metadata.name);
    }
  }
  for (const name of names) {
    await waitFor(`CRD ${name} to be Established`, async () => {
      const response = await httpRequest(
        `${server}/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`,
        {
          token,
        },
      );
      const conditions: Array<{ type: string; status: string }> =
        JSON.parse(response.body).status?.conditions ?? [];
      return conditions.some((c) => c.type === 'Established' && c.status === 'True');
    });
  }
}

/** A token of ServiceAccount `namespace/name` (TokenRequest), valid for `seconds`. */
export async function serviceAccountToken(
  server: string,
  adminToken: string,
  namespace: string,
  name: string,
  seconds = 24 * 3600,
): Promise<string> {
  const response = await httpRequest(
    `${server}/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`,
    {
      method: 'POST',
      token: adminToken,
      body: JSON.stringify({
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { expirationSeconds: seconds },
      }),
      contentType: 'application/json',
    },
  );
  if (response.status >= 300)
    throw new Error(
      `TokenRequest for ServiceAccount ${namespace}/${name} failed (${response.status}): ${response.body}`,
    );
  return JSON.parse(response.body).status.token as string;
}
