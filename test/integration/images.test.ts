// The images built from Dockerfile.executor and Dockerfile.controller (by the test cluster, with
// buildah), run on the real node the strict way a careful cluster runs them: non-root enforced by
// the kubelet, read-only root filesystem, every capability dropped, seccomp RuntimeDefault.
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { projectImageRefs } from '../cluster/node/images.ts';
import { ensureTools } from '../cluster/tools.ts';
import { run } from '../e2e/cli.ts';
import { connect, type Kube, type Obj, waitForObject } from './kube.ts';

let kube: Kube;

beforeAll(() => {
  kube = connect(inject('kubeconfig'));
});

const refs = projectImageRefs();

describe.each([
  ['executor', refs.executor, 'orkestra-executor <action> [options]'],
  ['controller', refs.controller, 'orkestra-controller [options]'],
])('the %s image', (name, image, usage) => {
  it('starts its entrypoint as non-root under a locked-down security context (--help)', async () => {
    const namespace = await kube.createNamespace(`image-${name}`);
    await kube.objects.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace },
      spec: {
        restartPolicy: 'Never',
        automountServiceAccountToken: false,
        securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [
          {
            name,
            image,
            imagePullPolicy: 'Never',
            args: ['--help'],
            securityContext: {
              allowPrivilegeEscalation: false,
              readOnlyRootFilesystem: true,
              capabilities: { drop: ['ALL'] },
            },
          },
        ],
      },
    } as Obj);
    const pod = await waitForObject(
      kube,
      ['v1', 'Pod', namespace, name],
      'to end',
      (p) => ['Succeeded', 'Failed'].includes(p.status?.phase),
      120_000,
    );
    const logs = await run(ensureTools().kubectl, ['logs', '-n', namespace, name]);
    expect(pod.status?.phase, logs.stdout + logs.stderr).toBe('Succeeded');
    expect(logs.stdout.split('\n')[0]).toBe(usage);
    expect(pod.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(0);
  });
});
