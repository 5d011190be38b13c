// `npm run demo`'s rollout (scripts/demo/run-demo.ts) on the test control plane: the demo group
// applied and followed to Ready, each application's progress printed.
import { describe, expect, inject, it } from 'vitest';
import { runDemo } from '../../scripts/demo/run-demo.ts';
import { CHART_HOST_IP } from '../cluster/node/node-config.ts';
import { connect } from './kube.ts';

describe('npm run demo', () => {
  it('applies the demo group and prints each application until the group is Ready', async () => {
    const namespace = await connect(inject('kubeconfig')).createNamespace('demo');
    const lines: string[] = [];
    const seconds = await runDemo({
      kubeconfig: inject('kubeconfig'),
      chartsUrl: inject('chartsUrl'),
      namespace,
      print: (line) => lines.push(line),
    });
    expect(lines[0]).toBe(`Applied ApplicationGroup ${namespace}/shop (4 applications).`);
    for (const [app, version] of [
      ['database', '1.0.0'],
      ['cache', '1.0.0'],
      ['api', '2.0.0'],
      ['frontend', '2.0.0'],
    ]) {
      expect(
        lines.some((l) => new RegExp(`s  ${app} +waiting$`).test(l)),
        lines.join('\n'),
      ).toBe(true);
      expect(
        lines.some((l) => new RegExp(`s  ${app} +Ready  chart ${version}`).test(l)),
        lines.join('\n'),
      ).toBe(true);
    }
    // frontend became Ready after api did, api after database and cache: the order the group says.
    const readyAt = (app: string) => lines.findIndex((l) => new RegExp(`s  ${app} +Ready`).test(l));
    expect(readyAt('api')).toBeGreaterThan(Math.max(readyAt('database'), readyAt('cache')));
    expect(readyAt('frontend')).toBeGreaterThan(readyAt('api'));
    expect(lines.at(-1)).toBe(
      `ApplicationGroup ${namespace}/shop is Ready: 4 applications in ${seconds.toFixed(1)}s.`,
    );

    // Run again: the earlier group is uninstalled first, and the rollout starts from nothing.
    const again: string[] = [];
    await runDemo({
      kubeconfig: inject('kubeconfig'),
      chartsUrl: inject('chartsUrl'),
      namespace,
      print: (l) => again.push(l),
    });
    expect(again[0]).toBe('Uninstalling the demo group of an earlier run…');
    expect(
      again.some((l) => /s {2}database +running$/.test(l)),
      again.join('\n'),
    ).toBe(true);
  });

  it('gives up at its deadline with the last state seen, not a hang', async () => {
    const kube = connect(inject('kubeconfig'));
    const namespace = await kube.createNamespace('demo-broken');
    try {
      // No chart repository answers there: the rollout keeps waiting for its source. (The chart
      // host's address, not loopback: the default policy refuses loopback before anything waits.)
      await expect(
        runDemo({
          kubeconfig: inject('kubeconfig'),
          chartsUrl: `http://${CHART_HOST_IP}:9/`,
          namespace,
          print: () => {},
          timeoutMs: 5_000,
        }),
      ).rejects.toThrow(
        /^The demo group did not become Ready: .*; last seen: Unknown Progressing: Rolling out: 0\/4 applications ready/,
      );
    } finally {
      await kube.remove('orkestra.azure.microsoft.com/v1alpha1', 'ApplicationGroup', namespace, 'shop');
    }
  });
});
