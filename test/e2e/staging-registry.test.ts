// The chart's staging registry on the real cluster, as a pod sees it: every request needs a token,
// and the token server hands one out only to a namespace's own credentials, for its own folder. A
// pod of another namespace gets 401 whether it brings no credentials or its own.
import { PatchStrategy } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { namespaceCredentials, STAGING_SECRET } from '../../lib/staging-auth.ts';
import { projectImageRefs } from '../cluster/node/images.ts';
import { STAGING_REGISTRY_IP } from '../cluster/orkestra-install.ts';
import { connect, type Kube, type Obj, waitForGone, waitForObject } from '../integration/kube.ts';
import { AG, group, groupSettled, kubectlApply, readyCondition } from './groups.ts';
import { stagingCredentialKey } from './staging.ts';

let kube: Kube;
const namespaces: string[] = [];

beforeAll(() => {
  kube = connect(inject('kubeconfig'));
});
afterAll(async () => {
  for (const namespace of namespaces) await kube.remove('v1', 'Namespace', undefined, namespace);
});

/**
 * What a pod gets from the registry for a push to `repository`: /v2/ without a token, the token
 * server with the credentials it has (if any), and the start of a blob upload with the token it got.
 * Written to its termination message, which the kubelet puts into the pod's status.
 */
const PUSH_PROBE = `
const base = 'http://' + process.env.REGISTRY, repository = process.env.REPOSITORY, out = {};
(async () => {
  const v2 = await fetch(base + '/v2/');
  out.v2 = v2.status;
  const realm = /realm="([^"]+)"/.exec(v2.headers.get('www-authenticate') || '')?.[1];
  const scope = 'repository:' + repository + ':pull,push';
  const basic = process.env.STAGING_USERNAME
    ? { authorization: 'Basic ' + Buffer.from(process.env.STAGING_USERNAME + ':' + process.env.STAGING_PASSWORD).toString('base64') }
    : {};
  const token = await fetch(realm + '?service=orkestra-staging&scope=' + encodeURIComponent(scope), { headers: basic });
  out.token = token.status;
  const bearer = token.status === 200 ? (await token.json()).token : undefined;
  const upload = await fetch(base + '/v2/' + repository + '/blobs/uploads/', {
    method: 'POST',
    headers: bearer ? { authorization: 'Bearer ' + bearer } : {},
  });
  out.upload = upload.status;
  require('node:fs').writeFileSync('/dev/termination-log', JSON.stringify(out));
})().catch((error) => {
  require('node:fs').writeFileSync('/dev/termination-log', JSON.stringify({ error: String(error) }));
  process.exit(1);
});
`;

async function pushFromPod(
  namespace: string,
  name: string,
  repository: string,
  withSecret: boolean,
): Promise<Record<string, unknown>> {
  const secretEnv = (variable: string, key: string) => ({
    name: variable,
    valueFrom: { secretKeyRef: { name: STAGING_SECRET, key } },
  });
  await kube.objects.create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace },
    spec: {
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      containers: [
        {
          name: 'probe',
          image: projectImageRefs().executor,
          command: ['/usr/local/bin/node', '-e', PUSH_PROBE],
          env: [
            { name: 'REGISTRY', value: `${STAGING_REGISTRY_IP}:5000` },
            { name: 'REPOSITORY', value: repository },
            ...(withSecret
              ? [secretEnv('STAGING_USERNAME', 'username'), secretEnv('STAGING_PASSWORD', 'password')]
              : []),
          ],
          securityContext: { runAsNonRoot: true, runAsUser: 65532, allowPrivilegeEscalation: false },
        },
      ],
    },
  } as Obj);
  const pod = await waitForObject(kube, ['v1', 'Pod', namespace, name], 'to end', (p) =>
    ['Succeeded', 'Failed'].includes(p.status?.phase),
  );
  const message = pod.status.containerStatuses?.[0]?.state?.terminated?.message ?? '{}';
  return JSON.parse(message) as Record<string, unknown>;
}

describe('the staging registry the chart installs', () => {
  it('refuses a pod of another namespace: 401 with no credentials, and 401 with its own in a folder not its own', async () => {
    const owner = await kube.createNamespace('e2e-stage-owner');
    const other = await kube.createNamespace('e2e-stage-other');
    namespaces.push(owner, other);
    // The other namespace's own credentials, as the controller writes them for a group there.
    await kube.apply({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: STAGING_SECRET, namespace: other },
      stringData: namespaceCredentials(await stagingCredentialKey(kube), other),
    } as Obj);
    const ownersFolder = `staging/${owner}/bookinfo-x/reviews--1.0.0`;

    expect(await pushFromPod(other, 'no-credentials', ownersFolder, false)).toEqual({
      v2: 401,
      token: 401,
      upload: 401,
    });
    // Its own credentials get a token, but one that grants nothing in another namespace's folder.
    expect(await pushFromPod(other, 'own-credentials', ownersFolder, true)).toEqual({
      v2: 401,
      token: 200,
      upload: 401,
    });
    // The same credentials open its own folder: the upload starts (202).
    expect(
      await pushFromPod(other, 'own-folder', `staging/${other}/bookinfo-x/reviews--1.0.0`, true),
    ).toEqual({
      v2: 401,
      token: 200,
      upload: 202,
    });
  });

  it("the controller writes a group namespace's credentials, sets them back when edited, and removes them with its last group", async () => {
    const namespace = await kube.createNamespace('e2e-stage-secret');
    namespaces.push(namespace);
    await kubectlApply(group(namespace, 'one', [{ name: 'web' }]));
    expect(readyCondition(await groupSettled(kube, namespace, 'one'))).toMatchObject({ status: 'True' });
    const expected = namespaceCredentials(await stagingCredentialKey(kube), namespace);
    const decoded = (secret: Obj) =>
      Object.fromEntries(
        Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
      );
    const secret = (await kube.get('v1', 'Secret', namespace, STAGING_SECRET)) as Obj;
    expect(decoded(secret)).toEqual(expected);
    expect(secret.metadata?.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'orkestra' });

    // Edited (as anyone with Secret rights in the namespace could), then set back on the next pass.
    await kube.objects.patch(
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: STAGING_SECRET, namespace },
        stringData: { password: 'x' },
      } as Obj,
      undefined,
      undefined,
      'someone',
      undefined,
      PatchStrategy.MergePatch,
    );
    await kubectlApply({ ...group(namespace, 'one', [{ name: 'web' }, { name: 'api' }]) });
    await waitForObject(
      kube,
      ['v1', 'Secret', namespace, STAGING_SECRET],
      'set back',
      (s) => decoded(s).password === expected.password,
    );

    await kube.remove(AG, 'ApplicationGroup', namespace, 'one');
    await waitForGone(kube, [AG, 'ApplicationGroup', namespace, 'one'], 180_000);
    expect(await kube.get('v1', 'Secret', namespace, STAGING_SECRET)).toBeUndefined();
  });
});
