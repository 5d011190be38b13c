import type { ApplicationGroup } from '../../../lib/api/application-group.ts';
import { InvalidInputError } from '../../../lib/errors.ts';
import { toYamlStream } from '../../../lib/yaml.ts';
import { renderForwardWorkflow } from '../expand/forward-workflow.ts';
import { formatGraph } from '../expand/graph-format.ts';
import { renderReverseWorkflow } from '../expand/reverse-workflow.ts';
import { renderRollbackWorkflow } from '../expand/rollback-workflow.ts';
import type { RenderOptions } from '../expand/settings.ts';
import type { GraphArgs } from './commands/graph.ts';
import type { RenderArgs } from './commands/render.ts';
import type { ValidateArgs } from './commands/validate.ts';
import type { Io } from './io.ts';
import { loadApplicationGroups } from './load.ts';

export async function runRender(args: RenderArgs, io: Io): Promise<void> {
  const groups = await loadApplicationGroups(args.file);
  const options: RenderOptions = {
    namespace: args.namespace,
    generation: args.generation,
    stagingUrl: args['staging-url'],
    stagingPlainHttp: args['staging-plain-http'],
    stagingSecret: args['staging-secret'],
    templateName: args['template-name'],
    clusterScope: args['cluster-scope'],
    bundles: args.bundles,
    dagTaskLimit: args['dag-task-limit'],
    argoInstanceId: args['argo-instance-id'],
  };
  let lastSucceeded: ApplicationGroup | undefined;
  if (args.type === 'rollback' && args['last-succeeded']) {
    const previous = await loadApplicationGroups(args['last-succeeded']);
    if (previous.length !== 1) {
      throw new InvalidInputError(args['last-succeeded'], [
        { path: '', message: 'must hold exactly one ApplicationGroup' },
      ]);
    }
    lastSucceeded = previous[0];
  }
  const objects = groups.flatMap((group) => {
    const rendered =
      args.type === 'forward'
        ? renderForwardWorkflow(group, options)
        : args.type === 'reverse'
          ? renderReverseWorkflow(group, options)
          : renderRollbackWorkflow(group, lastSucceeded, options);
    // ConfigMaps first: `kubectl create -f -` creates them before the Workflow that reads them.
    return [...rendered.configMaps, rendered.workflow];
  });
  io.stdout(toYamlStream(objects));
}

export async function runValidate(args: ValidateArgs, io: Io): Promise<void> {
  const groups = await loadApplicationGroups(args.file);
  for (const group of groups) {
    io.stdout(
      `ApplicationGroup ${group.metadata.name} is valid (${group.spec.applications.length} applications)\n`,
    );
  }
}

export async function runGraph(args: GraphArgs, io: Io): Promise<void> {
  const groups = await loadApplicationGroups(args.file);
  for (const group of groups) {
    const { workflow } =
      args.type === 'forward'
        ? renderForwardWorkflow(group, { bundles: 'never' })
        : renderReverseWorkflow(group);
    io.stdout(formatGraph(workflow, args.format));
  }
}
