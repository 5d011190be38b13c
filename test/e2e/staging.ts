// The chart's staging registry as the tests reach it: at its fixed Service address (through the
// node's kube-proxy), with a namespace's credentials derived from the key the chart generated.
import { OciRegistry } from '../../executor/src/stage/oci-registry.ts';
import { createLogger } from '../../lib/log.ts';
import { namespaceCredentials, StagingAuthKeys } from '../../lib/staging-auth.ts';
import { STAGING_REGISTRY_IP } from '../cluster/orkestra-install.ts';
import { TEMPLATES_NAMESPACE } from '../cluster/templates.ts';
import type { Kube } from '../integration/kube.ts';

/** The credential key the chart generated (Secret orkestra-staging-auth of the release namespace). */
export async function stagingCredentialKey(kube: Kube): Promise<string> {
  const secret = await kube.get('v1', 'Secret', TEMPLATES_NAMESPACE, 'orkestra-staging-auth');
  const key = secret?.data?.[StagingAuthKeys.credentialKey];
  if (!key) throw new Error(`Secret ${TEMPLATES_NAMESPACE}/orkestra-staging-auth has no credential key`);
  return Buffer.from(key, 'base64').toString('utf8');
}

/** A client of the staging registry with `namespace`'s own credentials. */
export async function stagingRegistry(kube: Kube, namespace: string): Promise<OciRegistry> {
  return new OciRegistry(`${STAGING_REGISTRY_IP}:5000`, {
    plainHttp: true,
    credentials: namespaceCredentials(await stagingCredentialKey(kube), namespace),
    context: {
      log: createLogger('text'),
      signal: new AbortController().signal,
      deadline: Date.now() + 60_000,
    },
  });
}
