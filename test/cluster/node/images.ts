// The images the real node runs, built here without a Docker daemon (buildah, storage in the cache)
// and saved as archives keyed by a hash of what went into them, so a second run builds nothing:
// - the base images the Dockerfiles name, which cannot be pulled here, assembled under the same
//   name and tag from Debian packages (debootstrap) and the pinned Node;
// - localhost/orkestra/executor and …/controller from Dockerfile.executor and Dockerfile.controller;
// - Argo's argoexec and workflow-controller, Flux's source-controller and helm-controller, under
//   the names and tags of upstream's published images (the chart's defaults), from the binaries the
//   harness builds from the pinned modules;
// - the CNCF distribution registry the chart runs as its staging registry, from the binary the
//   harness builds (the chart's default image comes from Docker Hub, which is not reachable here);
// - the pod sandbox ("pause") image: a static busybox sleeping.
// `importImages` loads the archives into the node's containerd.

import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_ROOT } from '../components.ts';
import { ensureBaseImages, NPM_VERSION } from './base-images.ts';
import { buildah, buildahRoot, buildScratch, imagesDir, pinnedNode, RECIPE, run, sha } from './buildah.ts';

/** Names the pod sandbox image; nothing upstream is called this. */
export const PAUSE_IMAGE = 'docker.io/orkestra-test/pause:busybox';
/**
 * Upstream's images the chart runs by default (chart/orkestra/values.yaml), built here from the
 * pinned modules' binaries (static: CGO off) as their Dockerfiles lay them out: the binary on PATH
 * as the entrypoint, a non-root user, the CA bundle.
 */
export const UPSTREAM_IMAGES = {
  argoexec: { ref: 'quay.io/argoproj/argoexec:v4.0.5-nonroot', user: 8737 },
  'workflow-controller': { ref: 'quay.io/argoproj/workflow-controller:v4.0.5', user: 8737 },
  'source-controller': { ref: 'ghcr.io/fluxcd/source-controller:v1.9.3', user: 65534 },
  'helm-controller': { ref: 'ghcr.io/fluxcd/helm-controller:v1.6.4', user: 65534 },
} as const;
export type UpstreamImage = keyof typeof UPSTREAM_IMAGES;
export const ARGOEXEC_IMAGE = UPSTREAM_IMAGES.argoexec.ref;
const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
/** The staging registry's image (chart value staging.registry.image in the test install). */
export const REGISTRY_IMAGE = 'localhost/orkestra-test/registry:harness';

export interface BuiltImage {
  ref: string;
  archive: string;
  /** Seconds spent building it now; 0 when the cached archive was used. */
  seconds: number;
}

function projectVersion(): string {
  return (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * The names the node knows Orkestra's images by: `localhost/…`, which no registry serves, so a
 * missing image fails to pull instead of coming from a Docker Hub namespace the project does not own.
 */
export function projectImageRefs(version = projectVersion()) {
  return {
    executor: `localhost/orkestra/executor:${version}`,
    controller: `localhost/orkestra/controller:${version}`,
  };
}

/** A hash of the files a build context sends: the tree under `root` less .dockerignore's entries. */
export function contextHash(root: string, ignored: string[]): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : 1,
    )) {
      const path = join(dir, entry.name);
      const rel = relative(root, path);
      if (ignored.includes(rel)) continue;
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) {
        hash.update(rel).update('\0').update(readFileSync(path)).update('\0');
        hash.update(String(statSync(path).mode & 0o111));
      }
    }
  };
  walk(root);
  return hash.digest('hex').slice(0, 16);
}

function dockerignore(root: string): string[] {
  const file = join(root, '.dockerignore');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim().replace(/^\/|\/$/g, ''))
    .filter((line) => line && !line.startsWith('#'));
}

/** The cached archive for `key`, built by `build` (which writes the image into buildah's storage). */
async function cachedImage(
  name: string,
  ref: string,
  key: string,
  build: () => Promise<void>,
  log: (line: string) => void,
): Promise<BuiltImage> {
  const archive = join(imagesDir(), `${name}-${key}.tar`);
  if (existsSync(archive)) return { ref, archive, seconds: 0 };
  mkdirSync(imagesDir(), { recursive: true });
  const started = performance.now();
  log(`Building image ${ref} (cached as ${archive})…`);
  await build();
  const partial = `${archive}.partial-${process.pid}`;
  rmSync(partial, { force: true });
  // A docker-archive names the image in full in its manifest, which containerd's import keeps.
  await buildah(['push', '--quiet', ref, `docker-archive:${partial}:${ref}`]);
  for (const old of readdirSync(imagesDir()))
    if (old.startsWith(`${name}-`) && old.endsWith('.tar')) rmSync(join(imagesDir(), old), { force: true });
  renameSync(partial, archive);
  return { ref, archive, seconds: (performance.now() - started) / 1000 };
}

/**
 * Where this machine tells Node or npm to trust an extra CA (e.g. a proxy's), the build stage's
 * `npm ci` must trust it too: the CA file and an npmrc naming it, mounted for RUN steps only (a
 * build-time volume is not part of the image).
 */
async function npmTrustMounts(): Promise<string[]> {
  const npmCafile = (await run('npm', ['config', 'get', 'cafile'])).trim();
  const cafile = [process.env.NODE_EXTRA_CA_CERTS, npmCafile].find(
    (file) => file && file !== 'null' && file !== 'undefined' && existsSync(file),
  );
  if (!cafile) return [];
  const npmrc = join(buildahRoot(), 'build-npmrc');
  mkdirSync(buildahRoot(), { recursive: true });
  writeFileSync(npmrc, 'cafile=/run/orkestra-build/ca.crt\n');
  return [
    '--volume',
    `${cafile}:/run/orkestra-build/ca.crt:ro`,
    '--volume',
    `${npmrc}:/usr/local/etc/npmrc:ro`,
  ];
}

export interface ImageInputs {
  /** The upstream binaries built from the pinned modules. */
  upstream: Record<UpstreamImage, string>;
  /** The distribution registry binary (static). */
  registry: string;
  log: (line: string) => void;
}

/** Every image the node runs, built or taken from the cache; in the order they are imported. */
export async function ensureImages({ upstream, registry, log }: ImageInputs): Promise<BuiltImage[]> {
  const busybox = '/bin/busybox';
  const images: BuiltImage[] = [];
  images.push(
    await cachedImage(
      'pause',
      PAUSE_IMAGE,
      sha(RECIPE, readFileSync(busybox)),
      () =>
        buildScratch(
          PAUSE_IMAGE,
          // containerd stops a sandbox with SIGKILL, so a PID 1 that ignores SIGTERM is enough.
          'FROM scratch\nCOPY busybox /bin/busybox\nENTRYPOINT ["/bin/busybox", "sleep", "2147483647"]\n',
          { busybox: { path: busybox } },
        ),
      log,
    ),
  );
  for (const [name, { ref, user }] of Object.entries(UPSTREAM_IMAGES) as Array<
    [UpstreamImage, (typeof UPSTREAM_IMAGES)[UpstreamImage]]
  >) {
    const binary = upstream[name];
    images.push(
      await cachedImage(
        name,
        ref,
        sha(RECIPE, readFileSync(binary), readFileSync(CA_BUNDLE), ref, String(user)),
        () =>
          buildScratch(
            ref,
            `FROM scratch\nCOPY ${name} /bin/${name}\nCOPY passwd /etc/passwd\n` +
              'COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt\n' +
              `ENV PATH=/bin\nUSER ${user}\nENTRYPOINT ["${name}"]\n`,
            {
              [name]: { path: binary },
              passwd: `root:x:0:0:root:/root:/bin/nologin\nuser:x:${user}:${user}::/tmp:/bin/nologin\n`,
              'ca-certificates.crt': { path: CA_BUNDLE },
            },
          ),
        log,
      ),
    );
  }
  images.push(
    await cachedImage(
      'registry',
      REGISTRY_IMAGE,
      sha(RECIPE, readFileSync(registry), REGISTRY_IMAGE),
      () =>
        buildScratch(
          REGISTRY_IMAGE,
          // As upstream's registry image: its configuration file, overridden by REGISTRY_* variables.
          'FROM scratch\nCOPY registry /bin/registry\nCOPY config.yml /etc/distribution/config.yml\n' +
            'ENTRYPOINT ["/bin/registry", "serve", "/etc/distribution/config.yml"]\n',
          {
            registry: { path: registry },
            'config.yml':
              'version: 0.1\nlog: {fields: {service: registry}}\n' +
              'storage: {filesystem: {rootdirectory: /var/lib/registry}}\nhttp: {addr: ":5000"}\n',
          },
        ),
      log,
    ),
  );
  const refs = projectImageRefs();
  const context = contextHash(REPO_ROOT, dockerignore(REPO_ROOT));
  for (const [name, dockerfile] of [
    ['executor', 'Dockerfile.executor'],
    ['controller', 'Dockerfile.controller'],
  ] as const) {
    const ref = refs[name];
    images.push(
      await cachedImage(
        name,
        ref,
        // The name too: the archive holds it, and containerd imports the image under it.
        sha(RECIPE, context, pinnedNode().version, NPM_VERSION, ref),
        async () => {
          await ensureBaseImages(log);
          // --layers: the two Dockerfiles share their build stage, built once.
          await buildah(
            [
              'build',
              '--quiet',
              '--layers',
              // A failed step's container too (it would keep its overlay mounted).
              '--force-rm',
              '--pull=never',
              '--isolation=chroot',
              '--network=host',
              ...(await npmTrustMounts()),
              '-f',
              dockerfile,
              '-t',
              ref,
              '.',
            ],
            REPO_ROOT,
          );
        },
        log,
      ),
    );
  }
  return images;
}

/** Loads the archives into containerd's k8s.io namespace (the CRI's), unpacked for overlayfs. */
export async function importImages(containerdSocket: string, images: BuiltImage[]): Promise<void> {
  for (const image of images)
    await run('ctr', [
      '--address',
      containerdSocket,
      '--namespace',
      'k8s.io',
      'images',
      'import',
      image.archive,
    ]);
}

/** The binaries of the upstream images, from the harness's build. */
export function upstreamBinaries(bin: Record<string, string | undefined>): Record<UpstreamImage, string> {
  return Object.fromEntries(
    Object.keys(UPSTREAM_IMAGES).map((name) => {
      const path = bin[name];
      if (!path) throw new Error(`No ${name} binary to build its image from`);
      return [name, path];
    }),
  ) as Record<UpstreamImage, string>;
}
