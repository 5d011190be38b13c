// The test kubelet as its own process (the control plane starts it like its other components):
//   node test/cluster/kubelet/main.ts --kubeconfig PATH --dir DIR
// Writes DIR/ready once it watches pods and Workflows; stops on SIGTERM.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { localImages } from '../images.ts';
import { startKubelet } from './kubelet.ts';

const { values } = parseArgs({ options: { kubeconfig: { type: 'string' }, dir: { type: 'string' } } });
if (!values.kubeconfig || !values.dir) {
  process.stderr.write('usage: main.ts --kubeconfig PATH --dir DIR\n');
  process.exit(2);
}
const kube = new KubeConfig();
kube.loadFromFile(values.kubeconfig);
const kubelet = await startKubelet({
  kube,
  dir: values.dir,
  images: localImages(),
  log: (line) => process.stdout.write(`${new Date().toISOString()} ${line}\n`),
});
writeFileSync(join(values.dir, 'ready'), `${process.pid}\n`);
process.stdout.write(`${new Date().toISOString()} Test kubelet ready\n`);
process.once('SIGTERM', async () => {
  // The programs get SIGTERM and their pods a final status; bounded, as a node drain would be.
  await Promise.race([kubelet.stop(), new Promise((resolve) => setTimeout(resolve, 4_000))]);
  process.exit(0);
});
