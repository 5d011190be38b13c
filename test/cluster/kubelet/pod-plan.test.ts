// The test kubelet's reading of step pods, on a pod recorded from the real workflow-controller
// (v4.0.5) running the orkestra-helmrelease `apply` template (test/fixtures/argo/apply-step-pod.yaml).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../components.ts';
import { localImages } from '../images.ts';
import {
  collectOutputs,
  emissaryProgram,
  expandKubeletReferences,
  hostPathOf,
  initialTaskResult,
  MAX_ARGUMENT_BYTES,
  offloadConfigMapName,
  offloadLargeArguments,
  planPod,
  referencedSecrets,
  type StepPlan,
} from './pod-plan.ts';
import { finishedStatus, rejectedStatus, runningStatus } from './pod-status.ts';

const recorded = parse(
  readFileSync(join(REPO_ROOT, 'test/fixtures/argo/apply-step-pod.yaml'), 'utf8'),
) as V1Pod;
const images = localImages();
const clone = (): V1Pod => structuredClone(recorded);

function mainOf(pod: V1Pod) {
  return pod.spec?.containers.find((c) => c.name === 'main') as NonNullable<
    V1Pod['spec']
  >['containers'][number];
}

describe('planPod', () => {
  it('runs the image’s Node and bundle with the template’s args, the image ENV and the container env', () => {
    const plan = planPod(clone(), images) as StepPlan;
    expect(plan.kind).toBe('run');
    expect(plan.command.slice(0, 2)).toEqual([
      process.execPath,
      join(REPO_ROOT, 'dist/orkestra-executor.js'),
    ]);
    expect(plan.command.slice(2, 4)).toEqual(['apply', '--helmrelease']);
    expect(plan.command).toEqual([...plan.command.slice(0, 2), ...(mainOf(recorded).args ?? [])]);
    expect(plan.argsFromFile).toBe(false);
    expect(plan.env.NODE_COMPILE_CACHE).toBe(join(REPO_ROOT, 'dist/compile-cache'));
    expect(plan.env.ARGO_CONTAINER_NAME).toBe('main');
    expect(plan.serviceAccount).toBe('orkestra-executor');
    expect(plan.nodeId).toBe(recorded.metadata?.annotations?.['workflows.argoproj.io/node-id']);
    expect(plan.outputs?.parameters?.[0]).toMatchObject({
      name: 'result',
      valueFrom: { path: '/tmp/orkestra-result.json', default: '{}' },
    });
  });

  const rejections: Array<[string, (pod: V1Pod) => void, string]> = [
    [
      'an image other than the executor’s → rejected, naming the image',
      (pod) => {
        mainOf(pod).image = 'busybox:1.36';
      },
      'container main: image busybox:1.36 cannot run here; the test kubelet runs only orkestra/executor:',
    ],
    [
      'a sidecar container → rejected, naming it',
      (pod) => {
        pod.spec?.containers.push({ name: 'proxy', image: 'envoy' });
      },
      'containers proxy: the test kubelet runs only',
    ],
    [
      'env from a key of a Secret that does not exist, not optional → rejected, naming both',
      (pod) => {
        mainOf(pod).env = [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }];
      },
      'container main: env TOKEN: no Secret "s"',
    ],
    [
      'env from a ConfigMap → rejected, naming the variable',
      (pod) => {
        mainOf(pod).env = [{ name: 'TOKEN', valueFrom: { configMapKeyRef: { name: 's', key: 'k' } } }];
      },
      'container main: env TOKEN: the test kubelet resolves only secretKeyRefs and fieldRefs',
    ],
    [
      'a Secret volume → rejected, naming the volume',
      (pod) => {
        pod.spec?.volumes?.push({ name: 'creds', secret: { secretName: 'creds' } });
        mainOf(pod).volumeMounts?.push({ name: 'creds', mountPath: '/creds' });
      },
      'container main: volume creds: the test kubelet mounts only emptyDir volumes',
    ],
    [
      'no node-id annotation → not an Argo step pod',
      (pod) => {
        delete pod.metadata?.annotations?.['workflows.argoproj.io/node-id'];
      },
      'not an Argo step pod',
    ],
  ];
  it('sets env from the keys of Secrets the kubelet read; optional ones missing are left unset', () => {
    const pod = clone();
    const ref = (name: string, key: string, optional?: boolean) => ({
      valueFrom: { secretKeyRef: { name, key, optional } },
    });
    mainOf(pod).env = [
      { name: 'USER', ...ref('creds', 'username') },
      { name: 'PASSWORD', ...ref('creds', 'password', true) },
      { name: 'CONFIG', ...ref('creds', '.dockerconfigjson', true) },
      { name: 'OTHER', ...ref('no-such-secret', 'username', true) },
    ];
    const plan = planPod(pod, images, {}, new Map([['creds', { username: 'u', password: 'p' }]])) as StepPlan;
    expect(plan.kind).toBe('run');
    expect(plan.env).toMatchObject({ USER: 'u', PASSWORD: 'p' });
    expect(plan.env).not.toHaveProperty('CONFIG');
    expect(plan.env).not.toHaveProperty('OTHER');
    expect(referencedSecrets(mainOf(pod))).toEqual(['creds', 'no-such-secret']);
  });

  it.each(rejections)('%s', (_name, change, message) => {
    const pod = clone();
    change(pod);
    const plan = planPod(pod, images);
    expect(plan.kind).toBe('reject');
    expect((plan as { message: string }).message).toContain(message);
  });

  it('uses the image’s entrypoint when the template gives no command', () => {
    const pod = clone();
    const main = mainOf(pod);
    main.command = (main.command ?? []).slice(0, (main.command ?? []).indexOf('--') + 1);
    const plan = planPod(pod, images) as StepPlan;
    expect(plan.command.slice(0, 2)).toEqual([
      process.execPath,
      join(REPO_ROOT, 'dist/orkestra-executor.js'),
    ]);
  });
});

describe("the kubelet's expansion of $(VAR) in command and args", () => {
  const env = { ARGO_NODE_ID: 'wf-123', EMPTY: '' };
  it.each<[string, string, string]>([
    ['a defined variable is replaced by its value', 'id=$(ARGO_NODE_ID)', 'id=wf-123'],
    ['a variable set to "" becomes ""', '[$(EMPTY)]', '[]'],
    ['an undefined variable stays as written', '$(UNDEFINED) $(HOSTNAME)', '$(UNDEFINED) $(HOSTNAME)'],
    ['$$ becomes $', 'echo $$ $$(ARGO_NODE_ID)', 'echo $ $(ARGO_NODE_ID)'],
    ['a $ before anything else stays', '{{ $labels.instance }} costs $5', '{{ $labels.instance }} costs $5'],
    ['an unclosed reference stays', 'x $(ARGO_NODE_ID', 'x $(ARGO_NODE_ID'],
    ['a $ at the end stays', 'x $', 'x $'],
  ])('%s', (_row, input, expected) => {
    expect(expandKubeletReferences(input, env)).toBe(expected);
  });

  it('applies to the args it runs, with the container’s own env (not the image’s)', () => {
    const pod = clone();
    mainOf(pod).args = ['apply', '--helmrelease', 'x $(ARGO_NODE_ID) $$ $(NODE_COMPILE_CACHE)'];
    const plan = planPod(pod, images) as StepPlan;
    expect(plan.command.at(-1)).toBe(`x ${plan.env.ARGO_NODE_ID} $ $(NODE_COMPILE_CACHE)`);
  });
});

describe('the container filesystem', () => {
  const plan = planPod(clone(), images) as StepPlan;

  it.each([
    [
      '/tmp, the template’s emptyDir → its folder',
      '/tmp/orkestra-result.json',
      '/pod/volumes/tmp/orkestra-result.json',
    ],
    [
      '/var/run/argo, Argo’s emptyDir → its folder',
      '/var/run/argo/progress',
      '/pod/volumes/var-run-argo/progress',
    ],
    ['elsewhere on the read-only root → nowhere', '/app/x', undefined],
  ])('%s', (_name, path, host) => {
    expect(plan.filesystem.readOnlyRoot).toBe(true);
    expect(hostPathOf(plan.filesystem, '/pod', path)).toBe(host);
  });

  it('without the /tmp emptyDir, /tmp is on the read-only root: nothing can be written there', () => {
    const pod = clone();
    const main = mainOf(pod);
    main.volumeMounts = main.volumeMounts?.filter((m) => m.mountPath !== '/tmp');
    const withoutTmp = planPod(pod, images) as StepPlan;
    expect(hostPathOf(withoutTmp.filesystem, '/pod', '/tmp/orkestra-result.json')).toBeUndefined();
  });

  it('a writable root filesystem → rootfs/', () => {
    expect(hostPathOf({ readOnlyRoot: false, emptyDirs: [] }, '/pod', '/tmp/x')).toBe('/pod/rootfs/tmp/x');
  });
});

describe('args Argo offloaded (over 128 KiB)', () => {
  function offloadedPod(): { pod: V1Pod; data: Record<string, string> } {
    const pod = clone();
    const main = mainOf(pod);
    const data = { ARGO_CONTAINER_ARGS_FILE: JSON.stringify(main.args) };
    main.args = undefined;
    main.env = [
      ...(main.env ?? []),
      { name: 'ARGO_CONTAINER_ARGS_FILE', value: '/argo/config/ARGO_CONTAINER_ARGS_FILE' },
    ];
    pod.spec?.volumes?.push({ name: 'argo-env-config', configMap: { name: pod.metadata?.name as string } });
    main.volumeMounts?.push({ name: 'argo-env-config', mountPath: '/argo/config' });
    return { pod, data };
  }

  it('are read from the ConfigMap named after the pod', () => {
    const { pod, data } = offloadedPod();
    expect(offloadConfigMapName(pod)).toBe(pod.metadata?.name);
    const plan = planPod(pod, images, data) as StepPlan;
    expect(plan.argsFromFile).toBe(true);
    expect(plan.command.slice(2)).toEqual(mainOf(recorded).args);
  });

  it('those over 128 KiB are written to /tmp/argo_arg_<i>.txt and passed as @file, as the emissary does', () => {
    const big = 'x'.repeat(MAX_ARGUMENT_BYTES + 1);
    const written = new Map<string, string>();
    const result = offloadLargeArguments(
      ['node', 'main.js', 'apply', '--helmrelease', big],
      (path, content) => {
        written.set(path, content);
        return `/host${path}`;
      },
    );
    expect(result).toEqual({
      command: ['node', 'main.js', 'apply', '--helmrelease', '@/host/tmp/argo_arg_3.txt'],
    });
    expect(written.get('/tmp/argo_arg_3.txt')).toBe(big);
  });

  it('fail the container when /tmp cannot be written', () => {
    const big = 'x'.repeat(MAX_ARGUMENT_BYTES + 1);
    expect(offloadLargeArguments(['node', big], () => undefined)).toEqual({
      problem: 'failed to write large arg 0 to file /tmp/argo_arg_0.txt',
    });
  });
});

describe('emissaryProgram', () => {
  it.each([
    [
      'the program after --',
      ['/var/run/argo/argoexec', 'emissary', '--loglevel', 'info', '--', 'a', 'b'],
      ['a', 'b'],
    ],
    ['nothing after --', ['/var/run/argo/argoexec', 'emissary', '--'], []],
    ['a command not run by the emissary → as it is', ['node', 'x.js'], ['node', 'x.js']],
  ])('%s', (_name, command, program) => {
    expect(emissaryProgram(command)).toEqual(program);
  });
});

describe('collectOutputs', () => {
  const outputs =
    planPod(clone(), images).kind === 'run' ? (planPod(clone(), images) as StepPlan).outputs : {};
  it.each([
    ['the file’s content, one trailing newline trimmed', '{"phase":"Succeeded"}\n', '{"phase":"Succeeded"}'],
    ['no file → the default', undefined, '{}'],
  ])('%s', (_name, content, value) => {
    const collected = collectOutputs(outputs, (path) =>
      path === '/tmp/orkestra-result.json' ? content : undefined,
    );
    expect(collected).toEqual({
      outputs: {
        parameters: [
          {
            name: 'result',
            valueFrom: { path: '/tmp/orkestra-result.json', default: '{}' },
            value,
          },
        ],
      },
    });
  });

  it('no file and no default → the problem argoexec reports', () => {
    const collected = collectOutputs(
      { parameters: [{ name: 'x', valueFrom: { path: '/tmp/x' } }] },
      () => undefined,
    );
    expect(collected).toEqual({
      problem: 'failed to get parameter x: open /tmp/x: no such file or directory',
    });
  });
});

describe('the objects argoexec and the kubelet would write', () => {
  const pod = clone();
  const plan = planPod(pod, images) as StepPlan;

  it('a WorkflowTaskResult named after the node, not yet complete, owned by the Workflow', () => {
    const owner = recorded.metadata?.ownerReferences?.[0];
    expect(initialTaskResult('ns', plan)).toEqual({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'WorkflowTaskResult',
      metadata: {
        name: plan.nodeId,
        namespace: 'ns',
        labels: {
          'workflows.argoproj.io/workflow': owner?.name,
          'workflows.argoproj.io/report-outputs-completed': 'false',
        },
        ownerReferences: [
          { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', name: owner?.name, uid: owner?.uid },
        ],
      },
    });
  });

  it('Running: init terminated 0, wait and main running', () => {
    const status = runningStatus(pod, 't0');
    expect(status.phase).toBe('Running');
    expect(status.initContainerStatuses?.map((c) => [c.name, c.state?.terminated?.exitCode])).toEqual([
      ['init', 0],
    ]);
    expect(status.containerStatuses?.map((c) => [c.name, c.state?.running !== undefined])).toEqual([
      ['wait', true],
      ['main', true],
    ]);
  });

  it.each([
    ['main exit 0 → Succeeded, every container Completed', 0, 'Succeeded', 'Completed'],
    ['main exit 1 → Failed, main Error (exit code 1)', 1, 'Failed', 'Error'],
    ['main exit 143 (SIGTERM) → Failed', 143, 'Failed', 'Error'],
  ])('%s', (_name, exitCode, phase, reason) => {
    const status = finishedStatus(pod, { main: { exitCode }, wait: { exitCode: 0 } }, 't0', 't1');
    expect(status.phase).toBe(phase);
    const main = status.containerStatuses?.find((c) => c.name === 'main');
    expect(main?.state?.terminated).toMatchObject({ exitCode, reason, startedAt: 't0', finishedAt: 't1' });
    expect(status.containerStatuses?.find((c) => c.name === 'wait')?.state?.terminated?.exitCode).toBe(0);
  });

  it('rejected: Failed with the problem as status.message (Argo’s node message)', () => {
    expect(rejectedStatus('image x cannot run here', 't0')).toMatchObject({
      phase: 'Failed',
      message: 'test kubelet: image x cannot run here',
    });
  });
});
