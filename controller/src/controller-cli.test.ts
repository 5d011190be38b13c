import { describe, expect, it } from 'vitest';
import { UsageError } from '../../lib/cli.ts';
import { type ControllerArgs, controllerParser } from './controller-cli.ts';

async function parse(...argv: string[]): Promise<ControllerArgs> {
  let started: ControllerArgs | undefined;
  await controllerParser(async (args) => {
    started = args;
  }).parseAsync(argv);
  if (!started) throw new Error('the controller was not started');
  return started;
}

describe('orkestra-controller flags', () => {
  it('watches every group by default, and only matching ones given --watch-label-selector', async () => {
    expect((await parse())['watch-label-selector']).toBe('');
    expect((await parse('--watch-label-selector=shard=blue,!canary'))['watch-label-selector']).toBe(
      'shard=blue,!canary',
    );
  });

  it('the plugin flavour takes the sidecar’s image and resources from flags (default: the chart’s resources)', async () => {
    const args = await parse('--executor=plugin', '--executor-image=registry.example/executor:1');
    expect(args['executor-image']).toBe('registry.example/executor:1');
    expect(JSON.parse(args['executor-plugin-resources'])).toEqual({
      requests: { cpu: '50m', memory: '96Mi' },
      limits: { memory: '512Mi' },
    });
    // The pod flavour runs no sidecar: no image needed.
    expect((await parse('--executor=pod'))['executor-image']).toBeUndefined();
  });

  it('names the chart’s own Argo instance and Flux shard by default; "" names none', async () => {
    const args = await parse();
    expect([args['argo-instance-id'], args['flux-shard']]).toEqual(['orkestra', 'orkestra']);
    const own = await parse('--argo-instance-id=', '--flux-shard=');
    expect([own['argo-instance-id'], own['flux-shard']]).toEqual(['', '']);
  });

  it.each([
    [['--argo-instance-id=no way'], '--argo-instance-id: "no way" is not a label value'],
    [['--flux-shard=-x'], '--flux-shard: "-x" is not a label value'],
    [['--watch-label-selector=env in (a,b)'], '--watch-label-selector: "env in (a' /* split on commas */],
    [['--resync=soon'], '--resync: "soon" is not a duration'],
    [['--concurrency=0'], '--concurrency must be 1 or more'],
    [['--dag-task-limit=201'], '--dag-task-limit must be a whole number from 2 to 200 (got 201)'],
    [['--executor=plugin'], '--executor-image: no image given'],
    [['--executor=plugin', '--executor-image=a b'], '--executor-image: "a b" is not an image reference'],
    [
      ['--executor=plugin', '--executor-image=x:1', '--executor-plugin-resources={"limits":{"cpu":"lots"}}'],
      '--executor-plugin-resources: limits.cpu: "lots" is not a quantity',
    ],
    [
      ['--executor-plugin-configmap=orkestra-executor-plugin'],
      'Unknown arguments: executor-plugin-configmap',
    ],
  ])('%j is refused: %s', async (argv, message) => {
    const refused = parse(...argv);
    await expect(refused).rejects.toBeInstanceOf(UsageError);
    await expect(refused).rejects.toThrow(message);
  });
});
