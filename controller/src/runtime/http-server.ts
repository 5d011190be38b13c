// The controller's HTTP endpoints: /healthz (the process serves), /readyz (its caches have synced,
// so its decisions see every Workflow), and whatever else a route adds (metrics).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

export type Route = (request: IncomingMessage, response: ServerResponse) => Promise<boolean> | boolean;

/** `host:port` (port 0: any free one) → the server and the port it got. */
export async function serveHttp(
  address: string,
  routes: Record<string, Route>,
): Promise<{ port: number; close: () => Promise<void> }> {
  const separator = address.lastIndexOf(':');
  const host = address.slice(0, separator) || '0.0.0.0';
  const port = Number(address.slice(separator + 1));
  if (separator < 0 || !Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`"${address}" is not an address such as 0.0.0.0:8081`);
  }
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    const route = routes[path];
    if (!route) {
      response.writeHead(404).end('not found\n');
      return;
    }
    Promise.resolve(route(request, response)).catch((error: unknown) => {
      response.writeHead(500).end(`${String(error)}\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const bound = server.address();
  return {
    port: typeof bound === 'object' && bound ? bound.port : port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A route that answers 200 `ok` while `check` holds, else 503. */
export function probe(check: () => boolean): Route {
  return (_request, response) => {
    const ok = check();
    response.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok\n' : 'not ready\n');
    return true;
  };
}
