// request() with a guard: every hop is checked before it is requested, redirects are followed by
// hand, and credentials stay with the first origin. A server on 127.0.0.1 plays the chart host.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../lib/log.ts';
import { type RemoteContext, request } from './remote.ts';

const log = createLogger('json');
log.silent = true;
const seen: Array<{ path: string; headers: IncomingHttpHeaders }> = [];
let base: string;
let other: string;
const server = createServer((req, res) => {
  seen.push({ path: req.url ?? '', headers: req.headers });
  const redirects: Record<string, string> = {
    '/to-metadata': 'http://169.254.169.254/latest/meta-data/',
    '/to-index': '/index.yaml',
    '/to-other-origin': `${other}/index.yaml`,
    '/loop': '/loop',
  };
  const location = redirects[req.url ?? ''];
  if (location) res.writeHead(302, { location }).end();
  else res.writeHead(200, { 'content-type': 'text/plain' }).end('apiVersion: v1\nentries: {}\n');
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}`;
  other = `http://localhost:${port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const checked: string[] = [];
/** Refuses 169.254.0.0/16, as the policy's address check does; records what it was asked. */
const context = (): RemoteContext => ({
  deadline: Date.now() + 10_000,
  signal: new AbortController().signal,
  log,
  guard: async (url) => {
    checked.push(url.toString());
    if (url.hostname.startsWith('169.254.')) throw new Error(`${url.hostname} is refused`);
  },
});

describe('request with a guard', () => {
  it('checks the URL before requesting it', async () => {
    checked.length = 0;
    const response = await request('GET index', `${base}/index.yaml`, {}, context());
    expect(response.status).toBe(200);
    expect(checked).toEqual([`${base}/index.yaml`]);
  });

  it('follows a redirect after checking where it leads', async () => {
    checked.length = 0;
    const response = await request('GET index', `${base}/to-index`, {}, context());
    expect(response.status).toBe(200);
    expect(checked).toEqual([`${base}/to-index`, `${base}/index.yaml`]);
  });

  it('a redirect to a refused address is refused before anything is requested from it', async () => {
    checked.length = 0;
    await expect(request('GET index', `${base}/to-metadata`, {}, context())).rejects.toThrow(
      '169.254.169.254 is refused',
    );
    expect(checked).toEqual([`${base}/to-metadata`, 'http://169.254.169.254/latest/meta-data/']);
  });

  it('sends credentials to the first origin only', async () => {
    seen.length = 0;
    await request(
      'GET index',
      `${base}/to-other-origin`,
      { headers: { authorization: 'Basic c2VjcmV0' } },
      context(),
    );
    expect(seen.map((s) => [s.path, s.headers.authorization])).toEqual([
      ['/to-other-origin', 'Basic c2VjcmV0'],
      ['/index.yaml', undefined],
    ]);
  });

  it('gives up after ten redirects', async () => {
    await expect(request('GET loop', `${base}/loop`, {}, context())).rejects.toThrow(
      'more than 10 redirects',
    );
  });
});
