// The orkestra-helmrelease WorkflowTemplates on the real Argo workflow-controller and real Flux:
// hand-written Workflows (templateRef), `argo submit --from`, the ClusterWorkflowTemplate twin,
// `argo stop`, and the executor's RBAC. Step pods run through the test kubelet.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { REPO_ROOT } from '../cluster/components.ts';
import { TEMPLATES_NAMESPACE } from '../cluster/templates.ts';
import { ensureTools } from '../cluster/tools.ts';
import { waitFor } from '../cluster/wait.ts';
import {
  condition,
  connect,
  fixtureHelmRelease,
  type Kube,
  type Obj,
  waitForGone,
  waitForObject,
} from '../integration/kube.ts';
import {
  argoSubmitApply,
  attempts,
  containerLog,
  createdAfterReady,
  dagWorkflow,
  describeWorkflow,
  fixtureSource,
  podKubeconfig,
  podOf,
  recordHelmReleaseEvents,
  result,
  runWorkflow,
  submit,
  taskNode,
  templatesNamespace,
  templateTask,
  WORKFLOW,
  watchEvents,
  workflowFinished,
} from './argo.ts';
import { argo, run } from './cli.ts';

const HR = 'helm.toolkit.fluxcd.io/v2';
let kube: Kube;

beforeAll(() => {
  kube = connect(inject('kubeconfig'));
});

const helmRelease = (namespace: string, name: string, chart: string, version: string) =>
  stringify(fixtureHelmRelease(namespace, name, chart, version));

/** Parameters of the apply template for a fixture chart. */
const applying = (namespace: string, name: string, chart: string, version: string) => ({
  helmrelease: helmRelease(namespace, name, chart, version),
  source: fixtureSource(namespace),
  timeout: '2m',
});

/** The Workflow under "Reusing the templates" in README.md. */
function readmeWorkflow(): string {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Reusing the templates'));
  const block = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('README.md has no yaml block under "Reusing the templates"');
  return block;
}

function tempFile(name: string, content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'orkestra-e2e-')), name);
  writeFileSync(path, content);
  return path;
}

/** Runs a Workflow of one task, `web`, applying configmap-app 1.0.0; returns it once finished. */
async function installWeb(
  namespace: string,
  generateName: string,
  { clusterScope = false } = {},
): Promise<Obj> {
  return runWorkflow(
    kube,
    dagWorkflow(namespace, generateName, [
      templateTask('web', 'apply', applying(namespace, 'web', 'configmap-app', '1.0.0'), { clusterScope }),
    ]),
  );
}

/**
 * Starts a Workflow whose one step, `waiting`, applies the never-ready chart (a Deployment nothing
 * runs): the release never becomes ready and the executor keeps waiting. Returns once it waits,
 * with its pod.
 */
async function startWaitingStep(
  namespace: string,
  generateName: string,
): Promise<{ name: string; pod: Obj }> {
  const name = await submit(
    kube,
    dagWorkflow(namespace, generateName, [
      templateTask('waiting', 'apply', {
        ...applying(namespace, 'waiting', 'never-ready', '1.0.0'),
        timeout: '10m',
      }),
    ]),
  );
  const pod = await waitFor(
    'the executor to be waiting for its release',
    async () => {
      const workflow = (await kube.get(WORKFLOW, 'Workflow', namespace, name)) as Obj;
      const [attempt] = attempts(workflow, 'waiting');
      if (attempt?.phase !== 'Running') return undefined;
      const found = await podOf(kube, namespace, attempt);
      return (await containerLog(found)).includes('Applied HelmRelease') ? found : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 250 },
  );
  return { name, pod };
}

/** The executor's JSON log lines of a pod. */
async function executorLog(pod: Obj): Promise<Array<Record<string, unknown>>> {
  return jsonLines(await containerLog(pod));
}

function jsonLines(log: string): Array<Record<string, unknown>> {
  return log
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line));
}

/** Waits until the pod's main container has terminated; returns that state. */
async function mainTerminated(namespace: string, podName: string): Promise<{ exitCode: number }> {
  const pod = await waitForObject(kube, ['v1', 'Pod', namespace, podName], 'main to terminate', (p) =>
    p.status?.containerStatuses?.some(
      (c: { name: string; state?: { terminated?: unknown } }) => c.name === 'main' && c.state?.terminated,
    ),
  );
  return pod.status.containerStatuses.find((c: { name: string }) => c.name === 'main').state.terminated;
}

describe('a hand-written Workflow calling the templates (templateRef)', () => {
  it(`runs the README's Workflow in namespace ${TEMPLATES_NAMESPACE}, submitted with kubectl create`, async () => {
    // Given the namespace the control plane prepared as the chart does, and the README's Workflow
    const namespace = TEMPLATES_NAMESPACE;
    const file = tempFile(
      'workflow.yaml',
      readmeWorkflow().replace('http://127.0.0.1:PORT', inject('chartsUrl')),
    );
    // When it is created with the real kubectl, as the README says
    const created = await run(ensureTools().kubectl, ['create', '-n', namespace, '-f', file, '-o', 'name']);
    expect(created.code, created.stderr).toBe(0);
    const name = created.stdout.trim().replace(/^workflow\.argoproj\.io\//, '');
    // Then it succeeds, the release is installed, and each step reports the executor's result
    const workflow = await workflowFinished(kube, namespace, name);
    expect(workflow.status?.phase, describeWorkflow(workflow)).toBe('Succeeded');
    expect(result(taskNode(workflow, 'web'))).toMatchObject({
      action: 'apply',
      phase: 'Succeeded',
      reason: 'InstallSucceeded',
      name: 'web',
      chartVersion: '1.0.0',
    });
    expect(result(taskNode(workflow, 'check'))).toMatchObject({ action: 'probe', phase: 'Succeeded' });
    const release = await kube.get(HR, 'HelmRelease', namespace, 'web');
    expect(condition(release, 'Ready')?.status).toBe('True');
    expect((await kube.get('v1', 'ConfigMap', namespace, 'web-config'))?.data?.chartVersion).toBe('1.0.0');
  });

  it('passes a helmrelease parameter that starts with the YAML document marker ---', async () => {
    const namespace = await templatesNamespace(kube, 'e2e-marker');
    const workflow = await runWorkflow(
      kube,
      dagWorkflow(namespace, 'document-marker-', [
        templateTask('web', 'apply', {
          ...applying(namespace, 'web', 'configmap-app', '1.0.0'),
          helmrelease: `---\n${helmRelease(namespace, 'web', 'configmap-app', '1.0.0')}`,
          source: `---\n${fixtureSource(namespace)}`,
        }),
      ]),
    );
    expect(workflow.status?.phase, describeWorkflow(workflow)).toBe('Succeeded');
    expect(result(taskNode(workflow, 'web'))).toMatchObject({ phase: 'Succeeded', name: 'web' });
  });

  it('runs a DAG of three releases in dependency order', async () => {
    const namespace = await templatesNamespace(kube, 'e2e-dag');
    const recorder = await recordHelmReleaseEvents(namespace);
    try {
      const workflow = await runWorkflow(
        kube,
        dagWorkflow(namespace, 'chain-', [
          templateTask('first', 'apply', applying(namespace, 'first', 'configmap-app', '1.0.0')),
          templateTask('second', 'apply', applying(namespace, 'second', 'configmap-app', '1.0.0'), {
            dependencies: ['first'],
          }),
          templateTask('third', 'apply', applying(namespace, 'third', 'configmap-app', '2.0.0'), {
            dependencies: ['second'],
          }),
        ]),
      );
      expect(workflow.status?.phase, describeWorkflow(workflow)).toBe('Succeeded');

      // Each HelmRelease was created only after the one it depends on was Ready (watch order)…
      const events = recorder.events;
      for (const [before, after] of [
        ['first', 'second'],
        ['second', 'third'],
      ] as const) {
        expect(createdAfterReady(events, before, after), JSON.stringify(events)).toBeUndefined();
        // …and so are the creation times (whole seconds) and the Argo nodes' times.
        const earlier = (await kube.get(HR, 'HelmRelease', namespace, before)) as Obj;
        const later = (await kube.get(HR, 'HelmRelease', namespace, after)) as Obj;
        const ready = condition(earlier, 'Ready') as { lastTransitionTime?: string } | undefined;
        const readySince = Date.parse(ready?.lastTransitionTime as string);
        expect(Date.parse(later.metadata?.creationTimestamp as unknown as string)).toBeGreaterThanOrEqual(
          readySince,
        );
        expect(Date.parse(taskNode(workflow, after)?.startedAt as string)).toBeGreaterThanOrEqual(
          Date.parse(taskNode(workflow, before)?.finishedAt as string),
        );
      }
    } finally {
      recorder.stop();
    }
  });

  it('fails the step of a failing chart, and the step that depends on it never starts', async () => {
    const namespace = await templatesNamespace(kube, 'e2e-fail');
    const workflow = await runWorkflow(
      kube,
      dagWorkflow(namespace, 'broken-', [
        templateTask('broken', 'apply', applying(namespace, 'broken', 'fail-install', '1.0.0')),
        templateTask('after', 'apply', applying(namespace, 'after', 'configmap-app', '1.0.0'), {
          dependencies: ['broken'],
        }),
      ]),
    );
    expect(workflow.status?.phase, describeWorkflow(workflow)).toBe('Failed');
    // One attempt: exit 1 (release failed) is not retried, only 4 (cluster unreachable) is.
    const [attempt, ...more] = attempts(workflow, 'broken');
    expect(more).toEqual([]);
    expect(attempt).toMatchObject({ phase: 'Failed', message: 'main: Error (exit code 1)' });
    expect(attempt?.outputs?.exitCode).toBe('1');
    expect(result(attempt)).toMatchObject({ phase: 'Failed', name: 'broken' });
    expect(attempts(workflow, 'after')).toEqual([]);
    expect(await kube.get(HR, 'HelmRelease', namespace, 'after')).toBeUndefined();
  });

  it('rolls back and deletes with the rollback and delete templates as steps', async () => {
    const namespace = await templatesNamespace(kube, 'e2e-rollback');
    const release = { name: 'web', namespace, timeout: '2m' };
    // Given version 1.0.0, then 2.0.0, applied by the template; When rollback runs as the next step
    const rolledBack = await runWorkflow(
      kube,
      dagWorkflow(namespace, 'upgrade-then-rollback-', [
        templateTask('install', 'apply', applying(namespace, 'web', 'configmap-app', '1.0.0')),
        templateTask('upgrade', 'apply', applying(namespace, 'web', 'configmap-app', '2.0.0'), {
          dependencies: ['install'],
        }),
        templateTask('rollback', 'rollback', release, { dependencies: ['upgrade'] }),
      ]),
    );
    expect(rolledBack.status?.phase, describeWorkflow(rolledBack)).toBe('Succeeded');
    // Then the release is back at the spec before the upgrade, and installed as 1.0.0
    expect(result(taskNode(rolledBack, 'upgrade'))).toMatchObject({ chartVersion: '2.0.0' });
    expect(result(taskNode(rolledBack, 'rollback'))).toMatchObject({
      action: 'rollback',
      phase: 'Succeeded',
    });
    const web = await kube.get(HR, 'HelmRelease', namespace, 'web');
    expect(web?.spec?.chart?.spec?.version).toBe('1.0.0');
    expect(condition(web, 'Ready')?.status).toBe('True');
    expect((await kube.get('v1', 'ConfigMap', namespace, 'web-config'))?.data?.chartVersion).toBe('1.0.0');

    // When delete runs as a step, Then the HelmRelease is gone and the chart uninstalled
    const deleted = await runWorkflow(
      kube,
      dagWorkflow(namespace, 'delete-', [templateTask('delete', 'delete', release)]),
    );
    expect(deleted.status?.phase, describeWorkflow(deleted)).toBe('Succeeded');
    expect(await kube.get(HR, 'HelmRelease', namespace, 'web')).toBeUndefined();
    await waitForGone(kube, ['v1', 'ConfigMap', namespace, 'web-config']);
  });

  it('runs the ClusterWorkflowTemplate twin with clusterScope: true', async () => {
    const namespace = await templatesNamespace(kube, 'e2e-cluster');
    // The namespaced WorkflowTemplate is removed: only the cluster-scoped one can serve the call.
    await kube.remove(WORKFLOW, 'WorkflowTemplate', namespace, 'orkestra-helmrelease');
    const workflow = await installWeb(namespace, 'cluster-scope-', { clusterScope: true });
    expect(workflow.status?.phase, describeWorkflow(workflow)).toBe('Succeeded');
    expect(result(taskNode(workflow, 'web'))).toMatchObject({ phase: 'Succeeded', chartVersion: '1.0.0' });
  });
});

describe('the argo CLI', () => {
  it('argo submit --from workflowtemplate/orkestra-helmrelease --entrypoint apply -p helmrelease=…', async () => {
    const namespace = await templatesNamespace(kube, 'e2e-submit');
    const workflow = await argoSubmitApply(kube, namespace, {
      helmrelease: helmRelease(namespace, 'web', 'configmap-app', '1.0.0'),
      source: fixtureSource(namespace),
    });
    expect(workflow.status?.phase, describeWorkflow(workflow)).toBe('Succeeded');
    expect(condition(await kube.get(HR, 'HelmRelease', namespace, 'web'), 'Ready')?.status).toBe('True');
  });

  it('argo stop ends the running executor step with SIGTERM: exit 143, the node stopped', async () => {
    const namespace = await templatesNamespace(kube, 'e2e-stop');
    const { name, pod } = await startWaitingStep(namespace, 'stopped-');
    const stopped = await argo(['stop', '-n', namespace, name]);
    expect(stopped.code, stopped.stderr).toBe(0);

    expect(await mainTerminated(namespace, pod.metadata?.name as string)).toMatchObject({ exitCode: 143 });
    // The executor itself handled SIGTERM: it logged the outcome before exiting.
    expect((await executorLog(pod)).at(-1)).toMatchObject({
      level: 'error',
      phase: 'Terminated',
      reason: 'Terminated',
    });
    const workflow = await workflowFinished(kube, namespace, name);
    expect(workflow.status?.phase, describeWorkflow(workflow)).toBe('Failed');
    expect(workflow.status?.message).toBe("Stopped with strategy 'Stop'");
    const [attempt, ...more] = attempts(workflow, 'waiting');
    expect(more).toEqual([]);
    // Which message the node keeps races in Argo itself: its own, or the pod's (operator.go).
    expect(attempt?.phase).toBe('Failed');
    expect(['workflow shutdown with strategy:  Stop', 'main: Error (exit code 143)']).toContain(
      attempt?.message,
    );
  });

  it('passes a HelmRelease over 128 KiB inline: Argo offloads it, the executor reads it as @file', async () => {
    const namespace = await templatesNamespace(kube, 'e2e-large');
    const blob = 'x'.repeat(200_000);
    const workflow = await runWorkflow(
      kube,
      dagWorkflow(namespace, 'large-', [
        templateTask('big', 'apply', {
          ...applying(namespace, 'big', 'configmap-app', '1.0.0'),
          helmrelease: stringify(
            fixtureHelmRelease(namespace, 'big', 'configmap-app', '1.0.0', { values: { blob } }),
          ),
        }),
      ]),
    );
    expect(workflow.status?.phase, describeWorkflow(workflow)).toBe('Succeeded');
    const [attempt] = attempts(workflow, 'big');
    const pod = await podOf(kube, namespace, attempt as never);
    // Argo moved the args into a ConfigMap named after the pod…
    expect(pod.spec.containers.find((c: { name: string }) => c.name === 'main').args).toBeUndefined();
    expect(await kube.get('v1', 'ConfigMap', namespace, pod.metadata?.name as string)).toBeDefined();
    // …and the release got the whole value.
    const release = await kube.get(HR, 'HelmRelease', namespace, 'big');
    expect(release?.spec?.values?.blob).toHaveLength(200_000);
    expect(condition(release, 'Ready')?.status).toBe('True');
  });
});

describe('what a parameter can make the executor read', () => {
  it('never a file of the pod: a path is the value itself, @path is refused, nothing is quoted', async () => {
    const namespace = await templatesNamespace(kube, 'e2e-files');
    // A file the step could see (the test kubelet runs it on this machine), which a YAML parse
    // error would quote into the step's log and its result output, readable by anyone who can
    // read Workflows.
    const secret = tempFile('token', 'token: abc: hunter2-secret\n');
    const workflow = await runWorkflow(
      kube,
      dagWorkflow(namespace, 'read-file-', [
        templateTask('path', 'apply', { helmrelease: secret }),
        templateTask('at-path', 'apply', { helmrelease: `@${secret}` }),
      ]),
    );
    expect(workflow.status?.phase, describeWorkflow(workflow)).toBe('Failed');
    for (const [task, message] of [
      ['path', 'must be an object'],
      ['at-path', "in a pod the executor reads only Argo's offload files"],
    ] as const) {
      const [attempt, ...more] = attempts(workflow, task);
      expect(more).toEqual([]);
      expect(attempt?.outputs?.exitCode).toBe('2');
      expect(result(attempt)).toMatchObject({ phase: 'Invalid', reason: 'InvalidSpec' });
      expect(String(result(attempt).message)).toContain(message);
      const pod = await podOf(kube, namespace, attempt as never);
      expect(await containerLog(pod)).not.toContain('hunter2');
      expect(JSON.stringify(attempt?.outputs)).not.toContain('hunter2');
    }
  });
});

describe('the executor step’s identity (RBAC)', () => {
  it('runs with its ServiceAccount’s token, which cannot read Secrets or create Deployments', async () => {
    const namespace = await templatesNamespace(kube, 'e2e-rbac');
    const workflow = await installWeb(namespace, 'rbac-');
    expect(workflow.status?.phase, describeWorkflow(workflow)).toBe('Succeeded');
    const [attempt] = attempts(workflow, 'web');
    const pod = await podOf(kube, namespace, attempt as never);
    expect(pod.spec?.serviceAccountName).toBe('orkestra-executor');
    const kubeconfig = await podKubeconfig(pod);
    const asStep = (args: string[]) => run(ensureTools().kubectl, ['--kubeconfig', kubeconfig, ...args]);

    const identity = await asStep(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}']);
    expect(identity.stdout).toBe(`system:serviceaccount:${namespace}:orkestra-executor`);
    expect((await asStep(['get', 'helmreleases', '-n', namespace, '-o', 'name'])).stdout).toContain('web');

    const secrets = await asStep(['get', 'secrets', '-n', namespace]);
    expect(secrets.code).not.toBe(0);
    expect(secrets.stderr).toContain('cannot list resource "secrets"');
    const deployment = await asStep([
      'create',
      'deployment',
      'intruder',
      '-n',
      namespace,
      '--image=busybox:1.36',
    ]);
    expect(deployment.code).not.toBe(0);
    expect(deployment.stderr).toContain('cannot create resource "deployments"');
  });

  it('fails where its ServiceAccount has no Role: the API server refuses the step, not admin', async () => {
    const namespace = await templatesNamespace(kube, 'e2e-norole');
    await kube.remove('rbac.authorization.k8s.io/v1', 'RoleBinding', namespace, 'orkestra-executor');
    const workflow = await installWeb(namespace, 'no-role-');
    expect(workflow.status?.phase, describeWorkflow(workflow)).toBe('Failed');
    // Exit 5 (permission denied) at once: not an outage, so the template does not retry it.
    const tries = attempts(workflow, 'web');
    expect(tries.map((t) => t.outputs?.exitCode)).toEqual(['5']);
    // Its outputs cannot be reported (that takes the same Role); the executor's log says why.
    const pod = await podOf(kube, namespace, tries[0] as never);
    const outcome = (await executorLog(pod)).at(-1) as { message: string };
    expect(outcome).toMatchObject({ level: 'error', phase: 'Forbidden', reason: 'PermissionDenied' });
    expect(outcome.message).toContain(`system:serviceaccount:${namespace}:orkestra-executor`);
    expect(outcome.message).toContain('cannot get resource');
    expect(await kube.get(HR, 'HelmRelease', namespace, 'web')).toBeUndefined();
  });
});

describe('a step whose pod is deleted while it runs', () => {
  it('ends on SIGTERM and reports it before the kubelet confirms the deletion', async () => {
    const namespace = await templatesNamespace(kube, 'e2e-delete-pod');
    const { name, pod } = await startWaitingStep(namespace, 'deleted-pod-');
    const podName = pod.metadata?.name as string;
    const uid = pod.metadata?.uid as string;
    const seen: Array<{ type: string; mainExit?: number }> = [];
    const watch = await watchEvents(
      `/api/v1/namespaces/${namespace}/pods`,
      { fieldSelector: `metadata.name=${podName}` },
      (type, object) => {
        if (object.metadata?.uid !== uid) return;
        const main = object.status?.containerStatuses?.find((c: { name: string }) => c.name === 'main');
        seen.push({ type, mainExit: main?.state?.terminated?.exitCode });
      },
    );
    // Its log, followed from now on: once the pod is gone, so are its logs.
    const followed = run(ensureTools().kubectl, ['logs', '-f', '-n', namespace, podName, '-c', 'main']);
    try {
      // When the running step's pod is deleted
      await kube.remove('v1', 'Pod', namespace, podName);
      await waitFor('the pod to be gone', () => seen.some((e) => e.type === 'DELETED'), {
        timeoutMs: 60_000,
        intervalMs: 250,
      });
    } finally {
      watch.stop();
    }
    // Then its program ended on SIGTERM, and the pod said so, before the pod went.
    const { stdout } = await followed;
    expect(jsonLines(stdout).at(-1)).toMatchObject({ phase: 'Terminated' });
    const deleted = seen.findIndex((e) => e.type === 'DELETED');
    const reported = seen.findIndex((e) => e.mainExit === 143);
    expect(reported, JSON.stringify(seen)).toBeGreaterThan(-1);
    expect(reported, JSON.stringify(seen)).toBeLessThan(deleted);
    // Argo fails the node, or (within 10 s of its start) creates the pod again; end it either way.
    const current = (await kube.get(WORKFLOW, 'Workflow', namespace, name)) as Obj;
    if (!['Succeeded', 'Failed', 'Error'].includes(current.status?.phase)) {
      const terminated = await argo(['terminate', '-n', namespace, name]);
      expect(terminated.code, terminated.stderr).toBe(0);
    }
    const workflow = await workflowFinished(kube, namespace, name);
    expect(['Failed', 'Error'], describeWorkflow(workflow)).toContain(workflow.status?.phase);
  });
});
