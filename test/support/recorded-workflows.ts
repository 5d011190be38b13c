// Workflows recorded from the real workflow-controller (test/fixtures/argo/workflows/) and the
// groups they were rendered from, for the controller's unit tests.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { ApplicationGroup } from '../../lib/api/application-group.ts';
import type { Workflow } from '../../lib/api/argo.ts';
import { application, groupOf } from './groups.ts';

const dir = join(import.meta.dirname, '../fixtures/argo/workflows');

/** A fresh copy of a recorded Workflow: forward-running, forward-succeeded, forward-failed, reverse-succeeded. */
export function recordedWorkflow(name: string): Workflow {
  return parse(readFileSync(join(dir, `${name}.yaml`), 'utf8'));
}

/** `chain`: first → second (forward-running, forward-succeeded, reverse-succeeded). */
export function chainGroup(metadata: ApplicationGroup['metadata'] = {}): ApplicationGroup {
  return groupOf([application('first'), application('second', ['first'])], { name: 'chain', ...metadata });
}

/** `shapes`: a chain, a failing chart and what follows it, an application with subcharts (forward-failed). */
export function shapesGroup(metadata: ApplicationGroup['metadata'] = {}): ApplicationGroup {
  return groupOf(
    [
      application('first'),
      application('second', ['first']),
      application('broken', ['first']),
      application('after-broken', ['broken']),
      application('bookinfo', ['first'], {
        subcharts: [{ name: 'details' }, { name: 'ratings', dependencies: ['details'] }],
      }),
    ],
    { name: 'shapes', ...metadata },
  );
}
