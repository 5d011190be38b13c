// The CNCF distribution registry (built from its Go module, components.ts) as the OCI registry that
// serves test charts and that subcharts are staged to: plain HTTP on 127.0.0.1 (or, with the node,
// on the chart host's address CHART_HOST_IP, which pods reach), files in a folder of its own.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBinaries } from './binaries.ts';
import { httpRequest } from './http.ts';
import { freePort } from './ports.ts';
import { startProcess, stopProcess } from './processes.ts';
import { waitFor } from './wait.ts';

/** Token auth as the chart's staging registry has it: tokens from `realm`, signed with the key of `rootCertBundle`. */
export interface RegistryTokenAuth {
  realm: string;
  rootCertBundle: string;
  service: string;
  issuer: string;
}

/**
 * Its configuration: files under `root`, on `host` only, quiet; `readonly` refuses every push;
 * `token`: every request needs a bearer token.
 */
export function registryConfigYaml(
  root: string,
  port: number,
  {
    readonly = false,
    host = '127.0.0.1',
    token,
  }: { readonly?: boolean; host?: string; token?: RegistryTokenAuth } = {},
): string {
  const maintenance = readonly ? ', maintenance: {readonly: {enabled: true}}' : '';
  return [
    'version: 0.1',
    'log: {level: warn, accesslog: {disabled: true}}',
    `storage: {filesystem: {rootdirectory: ${JSON.stringify(root)}}, delete: {enabled: true}${maintenance}}`,
    `http: {addr: "${host}:${port}"}`,
    ...(token
      ? [
          `auth: {token: {realm: ${JSON.stringify(token.realm)}, service: ${JSON.stringify(token.service)}, issuer: ${JSON.stringify(token.issuer)}, rootcertbundle: ${JSON.stringify(token.rootCertBundle)}}}`,
        ]
      : []),
    '',
  ].join('\n');
}

/** The arguments that serve `config`, and when it is ready. */
export const registryServe = (config: string) => ['serve', config];
export const registryReady = async (port: number, host = '127.0.0.1') =>
  [200, 401].includes((await httpRequest(`http://${host}:${port}/v2/`)).status);

/** A registry of its own, for a test that needs one configured otherwise (e.g. read-only). */
export async function startRegistry(options: { readonly?: boolean; token?: RegistryTokenAuth } = {}) {
  const { paths } = await ensureBinaries();
  const dir = mkdtempSync(join(tmpdir(), 'orkestra-registry-'));
  const port = await freePort();
  const config = join(dir, 'config.yaml');
  writeFileSync(config, registryConfigYaml(join(dir, 'data'), port, options));
  const managed = startProcess('registry', paths.registry as string, registryServe(config), { logDir: dir });
  await waitFor('the registry to answer', () => registryReady(port), { timeoutMs: 30_000 });
  return {
    url: `oci://127.0.0.1:${port}`,
    stop: async () => {
      await stopProcess(managed);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
