// `npm run bench`: Orkestra's rollouts beside Flux `dependsOn` and a floor, fan-out/fan-in, scale
// and the executor, measured in one run on a local cluster this script starts (the real node).
// Prints a table and the ratios between figures of this run; writes JSON and an SVG chart under
// bench/results/. Absolute times on a shared machine are context; the ratios are the result.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { REPO_ROOT } from '../cluster/components.ts';
import { readyToExit, startToFirstRequest } from './executor-figures.ts';
import { CHAIN, chainRatios, chartSvg, type Figure, TO_READY, table, VARIANTS } from './report.ts';
import { chainShape, fanShape, rolloutFloor, rolloutFlux, rolloutOrkestra } from './rollouts.ts';
import { controllerMemoryWithGroups, rolloutAtScale } from './scale.ts';
import { type BenchPlane, onBenchPlane } from './timing.ts';

const SCENARIOS = ['chain', 'fan', 'scale', 'memory', 'executor'] as const;
const DEFAULT_SHARD = 'flux-default';

const argv = yargs(hideBin(process.argv))
  .scriptName('npm run bench --')
  .option('only', {
    type: 'string',
    describe: `Comma-separated scenarios to run (${SCENARIOS.join(', ')}); all by default`,
  })
  .option('runs', { type: 'number', default: 3, describe: 'Runs of each timed rollout (the median is kept)' })
  .option('flux-default-runs', {
    type: 'number',
    default: 1,
    describe: 'Runs of the chain with Flux at its default 30 s (minutes each)',
  })
  .option('scale', {
    type: 'string',
    default: '10,100,1000',
    describe: 'Comma-separated group sizes for the scale scenario',
  })
  .option('flavours', {
    type: 'string',
    default: 'plugin,pod',
    describe: 'Comma-separated ways of running steps to time: plugin (executor plugin), pod (a pod per step)',
  })
  .option('argo-defaults', {
    type: 'boolean',
    default: true,
    describe: "Also time the chain with Argo's workflow-controller at its own defaults (minutes)",
  })
  .option('groups', { type: 'number', default: 200, describe: 'Small groups for the memory scenario' })
  .option('out', { type: 'string', default: join(REPO_ROOT, 'bench/results'), describe: 'Results folder' })
  .strict()
  .parseSync();

const wanted = new Set(argv.only ? argv.only.split(',') : SCENARIOS);
for (const scenario of wanted) {
  if (!(SCENARIOS as readonly string[]).includes(scenario))
    throw new Error(`--only: unknown scenario "${scenario}" (known: ${SCENARIOS.join(', ')})`);
}

const flavours = new Set(argv.flavours.split(',') as Flavour[]);
for (const flavour of flavours) {
  if (flavour !== 'plugin' && flavour !== 'pod')
    throw new Error(`--flavours: unknown flavour "${flavour}" (known: plugin, pod)`);
}

const say = (line: string) => process.stderr.write(`${line}\n`);

async function repeat(times: number, what: string, once: () => Promise<number>): Promise<number[]> {
  const values: number[] = [];
  for (let run = 1; run <= times; run++) {
    values.push(await once());
    say(`  ${what}, run ${run}/${times}: ${(values.at(-1) as number).toFixed(2)}`);
  }
  return values;
}

type Flavour = 'pod' | 'plugin';

/** Runs `work` with the controller's Workflows running their steps the `flavour` way. */
async function withFlavour<T>(plane: BenchPlane, flavour: Flavour, work: () => Promise<T>): Promise<T> {
  await plane.plane.setExecutorFlavour(flavour);
  return work();
}

/** Runs `work` with Argo's workflow-controller at its own defaults, then tuned again. */
async function withArgoDefaults<T>(plane: BenchPlane, work: () => Promise<T>): Promise<T> {
  // A helm upgrade of the chart's workflow-controller, as a user would change it.
  await plane.plane.setArgoSettings('defaults');
  try {
    return await work();
  } finally {
    await plane.plane.setArgoSettings('tuned');
  }
}

async function chain(plane: BenchPlane): Promise<Figure[]> {
  const shape = chainShape(10);
  const timed = async (variant: string, runs: number, once: () => Promise<{ seconds: number }>) => ({
    scenario: CHAIN,
    variant,
    metric: TO_READY,
    unit: 's' as const,
    runs: await repeat(runs, variant, async () => (await once()).seconds),
  });
  const orkestra = (flavour: Flavour, variant: string, runs: number) =>
    withFlavour(plane, flavour, () => timed(variant, runs, () => rolloutOrkestra(plane, shape)));
  say(`${CHAIN}:`);
  const figures: Figure[] = [await timed(VARIANTS.floor, argv.runs, () => rolloutFloor(plane, shape))];
  if (flavours.has('plugin')) figures.push(await orkestra('plugin', VARIANTS.plugin, argv.runs));
  if (flavours.has('pod')) figures.push(await orkestra('pod', VARIANTS.pod, argv.runs));
  figures.push(await timed(VARIANTS.flux5s, argv.runs, () => rolloutFlux(plane, shape)));
  if (argv.fluxDefaultRuns > 0) {
    figures.push(
      await timed(VARIANTS.fluxDefault, argv.fluxDefaultRuns, () => rolloutFlux(plane, shape, DEFAULT_SHARD)),
    );
  }
  if (argv.argoDefaults) {
    await withArgoDefaults(plane, async () => {
      if (flavours.has('plugin')) figures.push(await orkestra('plugin', VARIANTS.pluginArgoDefaults, 1));
      if (flavours.has('pod')) figures.push(await orkestra('pod', VARIANTS.podArgoDefaults, 1));
    });
  }
  return figures;
}

async function fan(plane: BenchPlane): Promise<Figure[]> {
  const shape = fanShape(20);
  const figures: Figure[] = [];
  say(`${shape.label}:`);
  for (const flavour of [...flavours]) {
    for (const parallelism of [undefined, 5]) {
      const variant = `${flavour === 'plugin' ? VARIANTS.plugin : VARIANTS.pod}, spec.parallelism ${parallelism ?? 'unset'}`;
      const peaks: number[] = [];
      const times = await withFlavour(plane, flavour, () =>
        repeat(argv.runs, variant, async () => {
          const rollout = await rolloutOrkestra(plane, shape, parallelism);
          peaks.push(rollout.peakInstalling);
          return rollout.seconds;
        }),
      );
      figures.push(
        { scenario: shape.label, variant, metric: TO_READY, unit: 's', runs: times },
        { scenario: shape.label, variant, metric: 'peak concurrent installs', unit: 'count', runs: peaks },
      );
    }
  }
  return figures;
}

async function scale(plane: BenchPlane): Promise<Figure[]> {
  const figures: Figure[] = [];
  await plane.plane.setExecutorFlavour('plugin');
  for (const size of argv.scale.split(',').map(Number)) {
    const scenario = `${size} applications`;
    say(`${scenario}:`);
    const rollout = await rolloutAtScale(plane, size);
    say(`  ${JSON.stringify(rollout)}`);
    const { sizes } = rollout;
    const variant = VARIANTS.plugin;
    const kib = (n: number) => [n / 1024];
    figures.push(
      { scenario, variant, metric: 'apply → Workflow created', unit: 's', runs: [rollout.workflowSeconds] },
      { scenario, variant, metric: TO_READY, unit: 's', runs: [rollout.readySeconds] },
      { scenario, variant, metric: 'Workflow spec', unit: 'KiB', runs: kib(sizes.specBytes) },
      { scenario, variant, metric: 'status.nodes (decompressed)', unit: 'KiB', runs: kib(sizes.nodesBytes) },
      {
        scenario,
        variant,
        metric: `Workflow object, largest${sizes.compressed ? ' (nodes compressed)' : ''}`,
        unit: 'KiB',
        runs: kib(sizes.objectBytes),
      },
    );
  }
  return figures;
}

async function memory(plane: BenchPlane): Promise<Figure[]> {
  const scenario = `${argv.groups} groups of one application`;
  say(`${scenario}:`);
  await plane.plane.setExecutorFlavour('plugin');
  const { before, after, seconds } = await controllerMemoryWithGroups(plane, argv.groups);
  const variant = 'orkestra-controller';
  return [
    { scenario, variant, metric: 'RSS before', unit: 'MiB', runs: [before.rssMiB] },
    { scenario, variant, metric: 'RSS, all Ready', unit: 'MiB', runs: [after.rssMiB] },
    { scenario, variant, metric: 'RSS peak', unit: 'MiB', runs: [after.peakMiB] },
    { scenario, variant: VARIANTS.plugin, metric: TO_READY, unit: 's', runs: [seconds] },
  ];
}

async function executor(plane: BenchPlane): Promise<Figure[]> {
  say('executor:');
  const scenario = 'executor';
  const { executor, polling } = await readyToExit(plane.plane, 20);
  const { warm, cold } = await startToFirstRequest(plane.plane, 20);
  return [
    {
      scenario,
      variant: 'orkestra-executor (watch)',
      metric: 'HelmRelease Ready → exit',
      unit: 'ms',
      runs: executor,
    },
    { scenario, variant: '1 s polling loop', metric: 'HelmRelease Ready → seen', unit: 'ms', runs: polling },
    {
      scenario,
      variant: "with the build's code cache",
      metric: 'start → first API request',
      unit: 'ms',
      runs: warm,
    },
    { scenario, variant: 'no code cache', metric: 'start → first API request', unit: 'ms', runs: cold },
  ];
}

const started = new Date();
await onBenchPlane(
  async (plane) => {
    const figures: Figure[] = [];
    if (wanted.has('chain')) figures.push(...(await chain(plane)));
    if (wanted.has('fan')) figures.push(...(await fan(plane)));
    if (wanted.has('scale')) figures.push(...(await scale(plane)));
    if (wanted.has('memory')) figures.push(...(await memory(plane)));
    if (wanted.has('executor')) figures.push(...(await executor(plane)));
    const ratios = [...chainRatios(figures, VARIANTS.plugin), ...chainRatios(figures, VARIANTS.pod)];
    process.stdout.write(table(figures, ratios));
    mkdirSync(argv.out, { recursive: true });
    const stamp = started.toISOString().replace(/[:.]/g, '-');
    const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGiB: totalmem() / 2 ** 30 };
    const json = join(argv.out, `bench-${stamp}.json`);
    const svg = join(argv.out, `bench-${stamp}.svg`);
    writeFileSync(json, `${JSON.stringify({ started, machine, figures, ratios }, null, 2)}\n`);
    writeFileSync(svg, chartSvg(figures, `Orkestra benchmark, ${started.toISOString().slice(0, 10)}`));
    process.stdout.write(`\nWrote ${json} and ${svg}\n`);
  },
  { fluxShards: [DEFAULT_SHARD], log: (line) => say(`[cluster] ${line}`) },
);
process.exit(0);
