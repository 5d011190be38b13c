// The registry client's edges a real registry does not show (it is tested against the real CNCF
// distribution registry in test/integration/stage.test.ts): challenges as registries write them, an
// answer that breaks the API, and an upload sent to another host.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../lib/errors.ts';
import { createLogger } from '../../../lib/log.ts';
import { OciRegistry, parseChallenge } from './oci-registry.ts';

describe('parseChallenge', () => {
  it.each([
    [
      'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"',
      {
        scheme: 'bearer',
        params: {
          realm: 'https://auth.example/token',
          service: 'registry.example',
          scope: 'repository:a/b:pull',
        },
      },
    ],
    ['Basic realm="Registry Realm"', { scheme: 'basic', params: { realm: 'Registry Realm' } }],
    [
      'Bearer realm=https://auth.example/token, service=reg',
      { scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'reg' } },
    ],
    ['Bearer realm="a \\"quoted\\" realm"', { scheme: 'bearer', params: { realm: 'a "quoted" realm' } }],
  ])('%s', (header, expected) => {
    expect(parseChallenge(header)).toEqual(expected);
  });

  it('is undefined without a header', () => {
    expect(parseChallenge(null)).toBeUndefined();
  });
});

interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}
type Handler = (method: string, url: string, headers: IncomingHttpHeaders) => Answer;

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

async function serve(handler: Handler): Promise<string> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const answer = handler(req.method ?? '', req.url ?? '', req.headers);
      res.writeHead(answer.status, answer.headers).end(answer.body ?? '');
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return `127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

const client = (host: string) =>
  new OciRegistry(host, {
    plainHttp: true,
    credentials: { username: 'u', password: 'p' },
    context: {
      deadline: Date.now() + 10_000,
      signal: new AbortController().signal,
      log: createLogger('text'),
    },
  });

describe('OciRegistry', () => {
  it('a token endpoint that answers something other than JSON → RegistryError (exit 1), not a bug', async () => {
    const realm = await serve((_method, url) =>
      url.startsWith('/token') ? { status: 200, body: 'not json' } : { status: 500 },
    );
    const registryHost = await serve(() => ({
      status: 401,
      headers: { 'www-authenticate': `Bearer realm="http://${realm}/token",service="reg"` },
    }));
    const failure = (await client(registryHost)
      .tags('a/b')
      .catch((e: unknown) => e)) as { reason: string; exitCode: number; message: string };
    expect(failure).toMatchObject({ reason: 'RegistryError', exitCode: ExitCode.ReleaseFailed });
    expect(failure.message).toBe(
      `token for repository:a/b:pull from http://${realm}: the registry's answer is not JSON`,
    );
  });

  it('sends its Authorization to its own host only, not to an upload location on another', async () => {
    const seen: Array<{ host: string; method: string; authorization?: string }> = [];
    const elsewhere = await serve((method, _url, headers) => {
      seen.push({ host: 'elsewhere', method, authorization: headers.authorization });
      return { status: 201 };
    });
    const registry = await serve((method, url, headers): Answer => {
      seen.push({ host: 'registry', method, authorization: headers.authorization });
      if (headers.authorization !== `Basic ${Buffer.from('u:p').toString('base64')}`) {
        return { status: 401, headers: { 'www-authenticate': 'Basic realm="r"' } };
      }
      if (method === 'HEAD') return { status: 404 };
      if (url.endsWith('/blobs/uploads/'))
        return { status: 202, headers: { location: `http://${elsewhere}/upload?id=1` } };
      return { status: 500 };
    });
    await client(registry).pushBlob('a/b', { digest: 'sha256:00', data: Buffer.from('x') });
    expect(seen.filter((s) => s.host === 'registry' && s.authorization).map((s) => s.method)).toEqual([
      'HEAD',
      'POST',
    ]);
    expect(seen.filter((s) => s.host === 'elsewhere')).toEqual([
      { host: 'elsewhere', method: 'PUT', authorization: undefined },
    ]);
  });
});
