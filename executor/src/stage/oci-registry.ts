// The OCI distribution API calls staging needs (distribution-spec v1.1: manifests, blobs, tags),
// with the token flow registries use for auth (Docker's token spec: a 401 names a realm, which
// hands out a bearer token for a scope). No well-kept npm client pushes, hence this small module.
import { ExitCode, OrkestraError } from '../../../lib/errors.ts';
import { sha256Digest } from './helm-artifact.ts';
import { type RemoteContext, type RemoteResponse, request } from './remote.ts';

export interface Credentials {
  username: string;
  password: string;
}

/** The `Authorization` value of HTTP basic auth with these credentials. */
export const basicAuthorization = ({ username, password }: Credentials) =>
  `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

/** The registry answered with a status the call cannot use. `denied`: 401 or 403. */
export class RegistryError extends OrkestraError {
  readonly status: number;
  readonly denied: boolean;
  constructor(what: string, response: RemoteResponse) {
    const denied = response.status === 401 || response.status === 403;
    super(
      'RegistryError',
      `${what}: HTTP ${response.status}${describeErrors(response.body)}`,
      denied ? ExitCode.PermissionDenied : ExitCode.ReleaseFailed,
    );
    this.status = response.status;
    this.denied = response.status === 401 || response.status === 403;
  }
}

/** The registry's own error list (`{"errors":[{"code","message"}]}`), when it sent one. */
function describeErrors(body: Buffer): string {
  try {
    const errors = (
      JSON.parse(body.toString('utf8')) as { errors?: Array<{ code?: string; message?: string }> }
    ).errors;
    if (Array.isArray(errors) && errors.length > 0) {
      return ` (${errors.map((e) => [e.code, e.message].filter(Boolean).join(': ')).join('; ')})`;
    }
  } catch {}
  return '';
}

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** `Bearer realm="…",service="…",scope="…"` → its scheme and parameters. */
export function parseChallenge(header: string | null): Challenge | undefined {
  const match = /^\s*(\w+)\s*(.*)$/s.exec(header ?? '');
  if (!match) return undefined;
  const params: Record<string, string> = {};
  for (const [, key, quoted, bare] of (match[2] as string).matchAll(
    /(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g,
  )) {
    params[(key as string).toLowerCase()] =
      quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : (bare ?? '');
  }
  return { scheme: (match[1] as string).toLowerCase(), params };
}

/** A registry's JSON answer; anything else is the registry's fault, said as such (not a bug here). */
export function parseJson<T>(what: string, body: Buffer): T {
  try {
    return JSON.parse(body.toString('utf8')) as T;
  } catch {
    throw new RegistryProtocolError(`${what}: the registry's answer is not JSON`);
  }
}

/** The registry answered something the distribution API does not allow. */
export class RegistryProtocolError extends OrkestraError {
  constructor(message: string) {
    super('RegistryError', message, ExitCode.ReleaseFailed);
  }
}

const MANIFEST_ACCEPT = 'application/vnd.oci.image.manifest.v1+json';
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export class OciRegistry {
  private readonly base: string;
  /** Authorization header values by scope, once a challenge was answered. */
  private readonly authorizations = new Map<string, string>();

  readonly registry: string;
  private readonly options: { plainHttp: boolean; credentials?: Credentials; context: RemoteContext };

  constructor(
    registry: string,
    options: { plainHttp: boolean; credentials?: Credentials; context: RemoteContext },
  ) {
    this.registry = registry;
    this.options = options;
    this.base = `${options.plainHttp ? 'http' : 'https'}://${registry}/v2/`;
  }

  /** A request with the authorization for `scope`; a 401 is answered once by its challenge. */
  private async send(
    what: string,
    url: string,
    init: RequestInit,
    scope: string,
    maxBytes?: number,
  ): Promise<RemoteResponse> {
    // Only to the registry itself: not to an upload Location or a next page on another host.
    const sameOrigin = new URL(url).origin === new URL(this.base).origin;
    const withAuth = (): RequestInit => {
      const authorization = sameOrigin ? this.authorizations.get(scope) : undefined;
      return authorization
        ? { ...init, headers: { ...(init.headers as Record<string, string>), authorization } }
        : init;
    };
    const first = await request(what, url, withAuth(), this.options.context, maxBytes);
    if (first.status !== 401) return first;
    const authorization = await this.answer(parseChallenge(first.headers.get('www-authenticate')), scope);
    if (!authorization) return first;
    this.authorizations.set(scope, authorization);
    return request(what, url, withAuth(), this.options.context, maxBytes);
  }

  private async answer(challenge: Challenge | undefined, scope: string): Promise<string | undefined> {
    const credentials = this.options.credentials;
    const basic = credentials && basicAuthorization(credentials);
    if (challenge?.scheme === 'basic') return basic;
    if (challenge?.scheme !== 'bearer' || !challenge.params.realm) return undefined;
    const url = URL.parse(challenge.params.realm);
    if (!url)
      throw new RegistryProtocolError(`the registry's token realm "${challenge.params.realm}" is not a URL`);
    if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
    url.searchParams.set('scope', scope);
    const response = await request(
      `token for ${scope}`,
      url.toString(),
      { headers: basic ? { authorization: basic } : {} },
      this.options.context,
    );
    if (response.status !== 200) throw new RegistryError(`token for ${scope} from ${url.origin}`, response);
    const { token, access_token } = parseJson<{ token?: string; access_token?: string }>(
      `token for ${scope} from ${url.origin}`,
      response.body,
    );
    const bearer = token ?? access_token;
    return bearer ? `Bearer ${bearer}` : undefined;
  }

  private url(repository: string, rest: string): string {
    return `${this.base}${repository}/${rest}`;
  }

  /** The digest a tag points to, or undefined when there is no such tag. */
  async manifestDigest(repository: string, tag: string): Promise<string | undefined> {
    const what = `HEAD ${this.registry}/${repository}:${tag}`;
    const response = await this.send(
      what,
      this.url(repository, `manifests/${tag}`),
      { method: 'HEAD', headers: { accept: MANIFEST_ACCEPT } },
      `repository:${repository}:pull`,
    );
    if (response.status === 404) return undefined;
    if (response.status !== 200) throw new RegistryError(what, response);
    return response.headers.get('docker-content-digest') ?? undefined;
  }

  /** A manifest by tag or digest: its bytes, checked against the digest the registry gives. */
  async manifest(repository: string, reference: string): Promise<Buffer | undefined> {
    const what = `GET ${this.registry}/${repository}:${reference}`;
    const response = await this.send(
      what,
      this.url(repository, `manifests/${reference}`),
      { headers: { accept: MANIFEST_ACCEPT } },
      `repository:${repository}:pull`,
      MAX_MANIFEST_BYTES,
    );
    if (response.status === 404) return undefined;
    if (response.status !== 200) throw new RegistryError(what, response);
    const expected = reference.startsWith('sha256:')
      ? reference
      : response.headers.get('docker-content-digest');
    if (expected && expected !== sha256Digest(response.body))
      throw new RegistryProtocolError(`${what}: the manifest does not match its digest ${expected}`);
    return response.body;
  }

  /** A blob, at most `maxBytes`, checked against its digest. */
  async blob(repository: string, digest: string, maxBytes: number): Promise<Buffer> {
    const what = `GET ${this.registry}/${repository}@${digest}`;
    const response = await this.send(
      what,
      this.url(repository, `blobs/${digest}`),
      {},
      `repository:${repository}:pull`,
      maxBytes,
    );
    if (response.status !== 200) throw new RegistryError(what, response);
    if (sha256Digest(response.body) !== digest)
      throw new RegistryProtocolError(`${what}: the content does not match its digest`);
    return response.body;
  }

  /** Every tag of a repository (following `Link` pages); [] when it does not exist. */
  async tags(repository: string): Promise<string[]> {
    const tags: string[] = [];
    let url: string | undefined = this.url(repository, 'tags/list');
    for (let page = 0; url && page < 100; page++) {
      const what = `GET ${this.registry}/${repository} tags`;
      const response = await this.send(what, url, {}, `repository:${repository}:pull`);
      if (response.status === 404) return tags;
      if (response.status !== 200) throw new RegistryError(what, response);
      tags.push(...(parseJson<{ tags?: string[] | null }>(what, response.body).tags ?? []));
      const next = /<([^>]+)>\s*;\s*rel="?next"?/.exec(response.headers.get('link') ?? '')?.[1];
      url = next ? new URL(next, this.base).toString() : undefined;
    }
    return tags;
  }

  /** Uploads a blob unless the repository has it already (monolithic upload: POST, then PUT). */
  async pushBlob(repository: string, blob: { digest: string; data: Buffer }): Promise<void> {
    const scope = `repository:${repository}:pull,push`;
    const head = await this.send(
      `HEAD ${repository}@${blob.digest}`,
      this.url(repository, `blobs/${blob.digest}`),
      { method: 'HEAD' },
      scope,
    );
    if (head.status === 200) return;
    const what = `upload of ${blob.digest} to ${this.registry}/${repository}`;
    const started = await this.send(what, this.url(repository, 'blobs/uploads/'), { method: 'POST' }, scope);
    const location = started.headers.get('location');
    if (started.status !== 202 || !location) throw new RegistryError(what, started);
    const upload = new URL(location, this.base);
    upload.searchParams.set('digest', blob.digest);
    const put = await this.send(
      what,
      upload.toString(),
      { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: blob.data },
      scope,
    );
    if (put.status !== 201) throw new RegistryError(what, put);
  }

  async putManifest(
    repository: string,
    tag: string,
    manifest: { mediaType: string; data: Buffer },
  ): Promise<void> {
    const what = `push of ${this.registry}/${repository}:${tag}`;
    const response = await this.send(
      what,
      this.url(repository, `manifests/${tag}`),
      { method: 'PUT', headers: { 'content-type': manifest.mediaType }, body: manifest.data },
      `repository:${repository}:pull,push`,
    );
    if (response.status !== 201) throw new RegistryError(what, response);
  }
}
