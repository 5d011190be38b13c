// npm run demo: the local cluster (built and started if it is not running, Orkestra installed into
// it with its Helm chart), the demo group applied to it and followed until it is Ready, then how to
// look at it and how to stop it.
import { ensureClusterUp } from '../test/cluster/daemon.ts';
import { ensureTools } from '../test/cluster/tools.ts';
import { runDemo } from './demo/run-demo.ts';

const say = (line: string) => process.stdout.write(`${line}\n`);
try {
  const state = await ensureClusterUp(say);
  await runDemo({ kubeconfig: state.kubeconfig, chartsUrl: state.charts, print: say });
  say(`
Look at it (any kubectl will do; this one came with the control plane: ${ensureTools().kubectl}):
  export KUBECONFIG=${state.kubeconfig}
  kubectl get applicationgroups -n demo            # READY, REASON, WORKFLOW
  kubectl describe applicationgroup shop -n demo   # per-application status and Events
  kubectl get workflows,helmreleases -n demo
  kubectl get pods -A                              # the controller, Argo and Flux run as pods on the node;
                                                   # each Workflow's steps ran in one agent pod (the plugin flavour)
  kubectl delete applicationgroup shop -n demo     # uninstalls it, dependents first
Stop the control plane:
  npm run cluster:down`);
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exitCode = 1;
}
