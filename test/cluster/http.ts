import { request as plainRequest } from 'node:http';
import { request } from 'node:https';

export interface Response {
  status: number;
  body: string;
}

/** One HTTP(S) request to a local component; TLS is not verified (the harness made the certificates). */
export function httpRequest(
  url: string,
  {
    method = 'GET',
    token,
    body,
    contentType,
  }: { method?: string; token?: string; body?: string; contentType?: string } = {},
): Promise<Response> {
  const send = url.startsWith('https:') ? request : plainRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method,
        rejectUnauthorized: false,
        timeout: 10_000,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(contentType ? { 'content-type': contentType } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}
