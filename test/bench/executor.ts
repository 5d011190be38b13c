// Benchmark (a script, not a test), on a local control plane it starts itself (no Argo):
// (a) latency from a HelmRelease becoming Ready to the executor exiting, median and p95 over 20
//     releases, beside a 1 s polling loop (what the original Orkestra executor did) on the same releases;
// (b) executor process start to its first API request, median of 20.
// The same figures are part of `npm run bench`.
// Run: npm run bench:executor
import { startControlPlane } from '../cluster/control-plane.ts';
import { readyToExit, startToFirstRequest } from './executor-figures.ts';

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}
const fmt = (values: number[]) =>
  `median ${percentile(values, 50).toFixed(0)} ms, p95 ${percentile(values, 95).toFixed(0)} ms`;

const plane = await startControlPlane({ argo: false });
try {
  const { executor, polling } = await readyToExit(plane, 20);
  console.log('(a) HelmRelease Ready → step done, 20 releases:');
  console.log(`    orkestra-executor (watch, process exit): ${fmt(executor)}  (target median < 100 ms)`);
  console.log(`    1 s polling loop (in-process):           ${fmt(polling)}`);
  const { warm, cold } = await startToFirstRequest(plane, 20);
  console.log('(b) executor start → first API request, 20 runs each  (target median < 200 ms):');
  console.log(`    as the image runs it (code cache from the build): ${fmt(warm)}`);
  console.log(`    without a code cache:                            ${fmt(cold)}`);
} finally {
  await plane.stop();
  process.exit();
}
