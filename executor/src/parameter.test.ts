import { describe, expect, it } from 'vitest';
import { type ParameterForm, parameterForm, runsInPod } from './parameter.ts';

const files = new Set(['/home/me/hr.yaml', '/var/run/secrets/kubernetes.io/serviceaccount/token']);
const terminal = { inPod: false, tmpdir: '/tmp', isFile: (p: string) => files.has(p) };
const pod = { ...terminal, inPod: true };
const podWithTmpdir = { ...pod, tmpdir: '/var/lib/kubelet-test/pod/volumes/tmp' };

describe('runsInPod', () => {
  it.each<[string, Record<string, string>, string | undefined, boolean]>([
    ['an Argo step (ARGO_NODE_ID) is in a pod', { ARGO_NODE_ID: 'wf-1', KUBECONFIG: '/k' }, undefined, true],
    [
      'in-cluster config (service host, no kubeconfig) is in a pod',
      { KUBERNETES_SERVICE_HOST: '10.0.0.1' },
      undefined,
      true,
    ],
    [
      'a CI job in a pod with KUBECONFIG is at a terminal',
      { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBECONFIG: '/k' },
      undefined,
      false,
    ],
    [
      'a CI job in a pod with --kubeconfig is at a terminal',
      { KUBERNETES_SERVICE_HOST: '10.0.0.1' },
      '/k',
      false,
    ],
    ['a laptop is at a terminal', { HOME: '/home/me' }, undefined, false],
  ])('%s', (_row, env, kubeconfig, expected) => {
    expect(runsInPod(env, kubeconfig)).toBe(expected);
  });
});

describe('parameterForm', () => {
  it.each<[string, string, typeof terminal, ParameterForm | { problem: RegExp }]>([
    ['- is standard input', '-', pod, { kind: 'stdin' }],
    [
      'configmap:NS/NAME/KEY is a release bundle',
      'configmap:apps/wf-releases-0/web.helmrelease',
      pod,
      { kind: 'configmap', namespace: 'apps', name: 'wf-releases-0', key: 'web.helmrelease' },
    ],
    [
      'YAML is the value itself',
      '---\nkind: HelmRelease\n',
      pod,
      { kind: 'inline', text: '---\nkind: HelmRelease\n' },
    ],
    [
      'JSON is the value itself',
      '{"kind":"HelmRelease"}',
      pod,
      { kind: 'inline', text: '{"kind":"HelmRelease"}' },
    ],
    [
      "Argo's offload file in a pod is read",
      '@/tmp/argo_arg_2.txt',
      pod,
      { kind: 'file', path: '/tmp/argo_arg_2.txt' },
    ],
    [
      "Argo's offload file under the pod's TMPDIR is read",
      '@/var/lib/kubelet-test/pod/volumes/tmp/argo_arg_12.txt',
      podWithTmpdir,
      { kind: 'file', path: '/var/lib/kubelet-test/pod/volumes/tmp/argo_arg_12.txt' },
    ],
    [
      'any other @file in a pod is refused',
      '@/var/run/secrets/kubernetes.io/serviceaccount/token',
      pod,
      { problem: /only Argo's offload files \(\/tmp\/argo_arg_N\.txt\)/ },
    ],
    [
      'a path that climbs out of /tmp in a pod is refused',
      '@/tmp/../etc/argo_arg_1.txt',
      pod,
      { problem: /only Argo's/ },
    ],
    [
      'a look-alike name in /tmp in a pod is refused',
      '@/tmp/argo_arg_1.txt.bak',
      pod,
      { problem: /only Argo's/ },
    ],
    [
      "a pod's existing file named without @ is the value itself, not the file",
      '/var/run/secrets/kubernetes.io/serviceaccount/token',
      pod,
      { kind: 'inline', text: '/var/run/secrets/kubernetes.io/serviceaccount/token' },
    ],
    [
      'at a terminal, @file is any file',
      '@/home/me/hr.yaml',
      terminal,
      { kind: 'file', path: '/home/me/hr.yaml' },
    ],
    [
      'at a terminal, an existing file is read',
      '/home/me/hr.yaml',
      terminal,
      { kind: 'file', path: '/home/me/hr.yaml' },
    ],
    [
      'at a terminal, a path that is no file is the value itself',
      'hr.yaml',
      terminal,
      { kind: 'inline', text: 'hr.yaml' },
    ],
  ])('%s', (_row, value, where, expected) => {
    const form = parameterForm(value, '--helmrelease', where);
    if ('problem' in expected) expect('problem' in form && form.problem).toMatch(expected.problem);
    else expect(form).toEqual(expected);
  });
});
