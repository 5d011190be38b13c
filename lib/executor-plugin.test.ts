import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  DEFAULT_PLUGIN_RESOURCES,
  parsePluginResources,
  pluginImageProblem,
  renderExecutorPluginConfigMap,
  renderPluginSidecar,
} from './executor-plugin.ts';

describe('renderPluginSidecar', () => {
  const sidecar = renderPluginSidecar({
    image: 'registry.example/orkestra/executor:1.2.3',
    resources: { requests: { cpu: '1' } },
  });

  it('takes image and resources from the settings', () => {
    expect(sidecar.image).toBe('registry.example/orkestra/executor:1.2.3');
    expect(sidecar.resources).toEqual({ requests: { cpu: '1' } });
  });

  it('fixes the rest: the plugin command on its port, the node address, the probe, no privilege', () => {
    expect(sidecar.command).toEqual([
      '/usr/local/bin/node',
      '/app/orkestra-executor.js',
      'plugin',
      '--port',
      '4355',
    ]);
    expect(sidecar.ports).toEqual([{ containerPort: 4355 }]);
    expect(sidecar.env).toEqual([
      { name: 'ORKESTRA_NODE_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
    ]);
    expect(sidecar.lifecycle.postStart.exec.command[2]).toContain("net.connect(4355, '127.0.0.1')");
    expect(sidecar.securityContext).toEqual({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
  });
});

describe('renderPluginSidecar with a Flux shard', () => {
  it('tells the executor the shard its releases go to', () => {
    const sidecar = renderPluginSidecar({ image: 'x:1', resources: {}, fluxShard: 'orkestra' });
    expect(sidecar.env).toContainEqual({ name: 'ORKESTRA_FLUX_SHARD', value: 'orkestra' });
  });
});

describe('renderExecutorPluginConfigMap', () => {
  it('is the ConfigMap Argo reads: its label, the token mount, the sidecar as YAML', () => {
    const settings = { image: 'executor:1', resources: DEFAULT_PLUGIN_RESOURCES };
    const configMap = renderExecutorPluginConfigMap(settings, { namespace: 'team', labels: { a: 'b' } });
    expect(configMap.metadata).toEqual({
      name: 'orkestra-executor-plugin',
      namespace: 'team',
      labels: { a: 'b', 'workflows.argoproj.io/configmap-type': 'ExecutorPlugin' },
    });
    expect(configMap.data['sidecar.automountServiceAccountToken']).toBe('true');
    expect(parse(configMap.data['sidecar.container'])).toEqual(renderPluginSidecar(settings));
  });
});

describe('parsePluginResources', () => {
  it.each([
    ['the chart’s default', JSON.stringify(DEFAULT_PLUGIN_RESOURCES), DEFAULT_PLUGIN_RESOURCES],
    ['numbers as quantities', '{"limits":{"cpu":1,"memory":"1Gi"}}', { limits: { cpu: '1', memory: '1Gi' } }],
    ['an extended resource', '{"limits":{"example.com/gpu":"1"}}', { limits: { 'example.com/gpu': '1' } }],
    ['nothing at all', '{}', {}],
  ])('%s → resources', (_, text, resources) => {
    expect(parsePluginResources(text)).toEqual(resources);
  });

  it.each([
    ['not JSON', 'cpu=1', 'is not JSON'],
    ['a list', '[]', 'not an object of requests and limits'],
    ['another key', '{"claims":[]}', 'claims: only requests and limits are allowed'],
    ['a quantity with YAML in it', '{"limits":{"memory":"1Gi\\nimage: evil"}}', 'limits.memory'],
    ['a resource name with spaces', '{"limits":{"a b":"1"}}', 'limits.a b: not a resource name'],
    ['a list of quantities', '{"requests":["1"]}', 'requests: not an object of quantities'],
  ])('%s → a problem naming it', (_, text, problem) => {
    const parsed = parsePluginResources(text);
    expect(parsed).toHaveProperty('problem');
    expect((parsed as { problem: string }).problem).toContain(problem);
  });
});

describe('pluginImageProblem', () => {
  it.each([
    ['registry.example:5000/orkestra/executor:1.2.3', undefined],
    ['executor@sha256:0123abcd', undefined],
    ['', 'no image given'],
    ['a b', 'is not an image reference'],
    ['{{ .Values.executor.image }}', 'is not an image reference'],
  ])('%j → %s', (image, problem) => {
    const found = pluginImageProblem(image);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toContain(problem);
  });
});
