// Helm values reach Helm byte for byte through Argo: the workflow-controller substitutes `{{…}}` in
// a Workflow's parameters (and evaluates `{{=…}}`), the kubelet expands `$(VAR)` and `$$` in
// container args. Values carry both all the time (Prometheus, Alertmanager, Grafana, charts that
// `tpl` their values). Each form a value can take to the executor is run here on the real
// workflow-controller and Flux, and the ConfigMap the chart installs must hold the value unchanged.
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { REPO_ROOT } from '../cluster/components.ts';
import { ensureTools } from '../cluster/tools.ts';
import { connect, fixtureHelmRelease, type Kube } from '../integration/kube.ts';
import {
  argoSubmitApply,
  dagWorkflow,
  describeWorkflow,
  fixtureSource,
  runWorkflow,
  templatesNamespace,
  templateTask,
  workflowFinished,
} from './argo.ts';

/** What users write in values: Argo variables and expressions, Prometheus and Helm templates, shell. */
const MESSAGE = [
  'run {{workflow.name}} / {{ workflow.namespace }}',
  '{{=sprig.upper("x")}}',
  '{{ $labels.instance }} is down',
  '{{ .Values.x }}',
  'echo $$ $(ARGO_NODE_ID) $HOME',
].join('\n');

let kube: Kube;

beforeAll(() => {
  kube = connect(inject('kubeconfig'));
});

/** The message the configmap-app chart installed for release `name`. */
async function installedMessage(namespace: string, name: string): Promise<string | undefined> {
  return (await kube.get('v1', 'ConfigMap', namespace, `${name}-config`))?.data?.message;
}

/** A group of one application of configmap-app with MESSAGE as its `message` value. */
function group(namespace: string, name: string) {
  return {
    apiVersion: 'orkestra.azure.microsoft.com/v1alpha1',
    kind: 'ApplicationGroup',
    metadata: { name, namespace },
    spec: {
      applications: [
        {
          name,
          spec: {
            chart: { url: inject('chartsUrl'), name: 'configmap-app', version: '1.0.0' },
            release: { targetNamespace: namespace, values: { message: MESSAGE } },
          },
        },
      ],
    },
  };
}

describe('a Workflow rendered by orkestra and created with kubectl', () => {
  it.each([
    ['with the HelmRelease inline', 'never'],
    ['with the HelmRelease in a release bundle', 'always'],
  ])('installs values holding {{…}} and $(…) as written: %s', async (_form, bundles) => {
    const namespace = await templatesNamespace(kube, `e2e-values-${bundles}`);
    const name = 'templated';
    const rendered = spawnSync(
      process.execPath,
      [`${REPO_ROOT}/dist/orkestra.js`, 'render', '-', '--bundles', bundles],
      { input: stringify(group(namespace, name)), encoding: 'utf8' },
    );
    expect(rendered.status, rendered.stderr).toBe(0);
    const created = spawnSync(
      ensureTools().kubectl,
      ['--kubeconfig', inject('kubeconfig'), 'create', '-f', '-', '-o', 'name'],
      { input: rendered.stdout, encoding: 'utf8' },
    );
    expect(created.status, created.stderr).toBe(0);

    const workflow = await workflowFinished(kube, namespace, `${name}-g1-forward`);
    expect(workflow.status?.phase, describeWorkflow(workflow)).toBe('Succeeded');
    expect(await installedMessage(namespace, name)).toBe(MESSAGE);
  });
});

/**
 * As the README says: the HelmRelease `web` (values: MESSAGE) kept in a ConfigMap of a new
 * namespace; returns the namespace and the reference the parameter passes instead.
 */
async function releaseInConfigMap(prefix: string): Promise<{ namespace: string; reference: string }> {
  const namespace = await templatesNamespace(kube, prefix);
  await kube.objects.create({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'web-release', namespace },
    data: {
      'helmrelease.yaml': stringify(
        fixtureHelmRelease(namespace, 'web', 'configmap-app', '1.0.0', { values: { message: MESSAGE } }),
      ),
    },
  });
  return { namespace, reference: `configmap:${namespace}/web-release/helmrelease.yaml` };
}

describe('a hand-written Workflow calling the apply template', () => {
  it('installs such values as written when the HelmRelease is passed as configmap:NS/NAME/KEY', async () => {
    const { namespace, reference } = await releaseInConfigMap('e2e-values-ref');
    const workflow = await runWorkflow(
      kube,
      dagWorkflow(namespace, 'values-by-reference-', [
        templateTask('web', 'apply', { helmrelease: reference, source: fixtureSource(namespace) }),
      ]),
    );
    expect(workflow.status?.phase, describeWorkflow(workflow)).toBe('Succeeded');
    expect(await installedMessage(namespace, 'web')).toBe(MESSAGE);
  });

  it('installs such values as written when they are escaped (\\u007b, \\u0024) in the parameter’s text', async () => {
    const namespace = await templatesNamespace(kube, 'e2e-values-escaped');
    // By hand, as the README shows: a YAML double-quoted string with JSON's escapes for { and $.
    const escaped = MESSAGE.replaceAll('\\', '\\\\')
      .replaceAll('"', '\\"')
      .replaceAll('\n', '\\n')
      .replaceAll('{', '\\u007b')
      .replaceAll('$', '\\u0024');
    const text = stringify(
      fixtureHelmRelease(namespace, 'web', 'configmap-app', '1.0.0', { values: { message: 'MESSAGE' } }),
    ).replace('message: MESSAGE', `message: "${escaped}"`);
    expect(text).not.toContain('{{');
    const workflow = await runWorkflow(
      kube,
      dagWorkflow(namespace, 'values-escaped-', [
        templateTask('web', 'apply', { helmrelease: text, source: fixtureSource(namespace) }),
      ]),
    );
    expect(workflow.status?.phase, describeWorkflow(workflow)).toBe('Succeeded');
    expect(await installedMessage(namespace, 'web')).toBe(MESSAGE);
  });

  it('a HelmRelease written inline in the Workflow is substituted by Argo, as the README warns', async () => {
    const namespace = await templatesNamespace(kube, 'e2e-values-inline');
    const workflow = await runWorkflow(
      kube,
      dagWorkflow(namespace, 'values-inline-', [
        templateTask('web', 'apply', {
          helmrelease: stringify(
            fixtureHelmRelease(namespace, 'web', 'configmap-app', '1.0.0', {
              values: { message: 'run {{workflow.name}}' },
            }),
          ),
          source: fixtureSource(namespace),
        }),
      ]),
    );
    expect(workflow.status?.phase, describeWorkflow(workflow)).toBe('Succeeded');
    expect(await installedMessage(namespace, 'web')).toBe(`run ${workflow.metadata?.name}`);
  });

  it('argo submit -p helmrelease=configmap:… installs them as written too', async () => {
    const { namespace, reference } = await releaseInConfigMap('e2e-values-submit');
    const workflow = await argoSubmitApply(kube, namespace, {
      helmrelease: reference,
      source: fixtureSource(namespace),
    });
    expect(workflow.status?.phase, describeWorkflow(workflow)).toBe('Succeeded');
    expect(await installedMessage(namespace, 'web')).toBe(MESSAGE);
  });
});
