// The base images the Dockerfiles start FROM, which cannot be pulled here: assembled under the same
// names and tags — node:<version>-bookworm-slim from Debian (debootstrap minbase) with the pinned
// Node and npm in /usr/local, and distroless nodejs<major>-debian12:nonroot from that system's
// glibc, libgcc and libstdc++ with Node at /nodejs/bin/node. Where no Debian mirror is configured,
// the real ones are pulled instead.
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildah, buildScratch, pinnedNode, RECIPE, run, sha } from './buildah.ts';

/** The npm that the assembled node base image carries (the Dockerfiles' build stage runs `npm ci`). */
export const NPM_VERSION = '11.21.2';
export const DEBIAN_SUITE = 'bookworm';
const PASSWD =
  'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n';
const GROUP = 'root:x:0:\nnonroot:x:65532:\n';

/** The Debian mirror apt uses here (debootstrap fetches the same packages from it), if any. */
function debianMirror(): string | undefined {
  for (const file of ['/etc/apt/sources.list.d/debian.sources', '/etc/apt/sources.list']) {
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8');
    const uri =
      /^URIs:\s*(\S+\/debian)\s*$/m.exec(text)?.[1] ?? /^deb\s+(\S+\/debian)\s+\S+/m.exec(text)?.[1];
    if (uri) return uri;
  }
  return undefined;
}

/**
 * A root file system of Debian (minbase) with the pinned Node and npm in /usr/local, as the
 * official node:<version>-bookworm-slim image has them; as a tar for `ADD`.
 */
async function debianNodeRootfs(work: string, mirror: string, log: (line: string) => void): Promise<string> {
  const rootfs = join(work, 'rootfs');
  log(`debootstrap --variant=minbase ${DEBIAN_SUITE}…`);
  await run('debootstrap', ['--variant=minbase', DEBIAN_SUITE, rootfs, mirror]);
  for (const path of [
    'usr/share/doc',
    'usr/share/man',
    'usr/share/locale',
    'var/cache/apt',
    'var/lib/apt/lists',
  ])
    rmSync(join(rootfs, path), { recursive: true, force: true });
  mkdirSync(join(rootfs, 'var/cache/apt/archives/partial'), { recursive: true });
  mkdirSync(join(rootfs, 'var/lib/apt/lists/partial'), { recursive: true });
  copyFileSync(pinnedNode().path, join(rootfs, 'usr/local/bin/node'));
  const npm = join(rootfs, 'usr/local/lib/node_modules/npm');
  mkdirSync(npm, { recursive: true });
  const tarball = (await run('npm', ['pack', `npm@${NPM_VERSION}`, '--silent'], { cwd: work })).trim();
  await run('tar', ['-xzf', join(work, tarball), '-C', npm, '--strip-components=1']);
  await run('ln', ['-s', '../lib/node_modules/npm/bin/npm-cli.js', join(rootfs, 'usr/local/bin/npm')]);
  await run('ln', ['-s', '../lib/node_modules/npm/bin/npx-cli.js', join(rootfs, 'usr/local/bin/npx')]);
  const archive = join(work, 'rootfs.tar');
  await run('tar', ['--numeric-owner', '-C', rootfs, '-cf', archive, '.']);
  return rootfs;
}

/**
 * The distroless Node image's content: glibc, libgcc and libstdc++ from the Debian root file system,
 * Node at /nodejs/bin/node, the nonroot user (65532), no shell.
 */
async function distrolessRootfs(debianRootfs: string, work: string): Promise<void> {
  const rootfs = join(work, 'distroless');
  mkdirSync(rootfs);
  const files: string[] = [];
  for (const pkg of ['libc6', 'libgcc-s1', 'libstdc++6']) {
    const list = await run('chroot', [debianRootfs, 'dpkg-query', '-L', pkg]);
    files.push(...list.split('\n').filter((path) => path.startsWith('/') && !path.startsWith('/usr/share')));
  }
  // Debian is merged-/usr: /lib and /lib64 are links into /usr, where the files really are.
  const merged = ['lib', 'lib64', 'bin', 'sbin'];
  const unmerged = files.map((path) => path.replace(/^\/(lib|lib64|bin|sbin)(\/|$)/, '/usr/$1$2'));
  files.splice(0, files.length, ...merged.map((link) => `/${link}`), ...new Set(unmerged));
  const listFile = join(work, 'distroless.list');
  writeFileSync(listFile, `${files.map((path) => `.${path}`).join('\n')}\n`);
  // --no-recursion: folders come as folders, not with everything else in them.
  await run('tar', [
    '--numeric-owner',
    '--no-recursion',
    '-C',
    debianRootfs,
    '-cf',
    join(work, 'libs.tar'),
    '-T',
    listFile,
  ]);
  await run('tar', ['-C', rootfs, '-xf', join(work, 'libs.tar')]);
  for (const dir of ['nodejs/bin', 'etc', 'tmp', 'home/nonroot'])
    mkdirSync(join(rootfs, dir), { recursive: true });
  copyFileSync(pinnedNode().path, join(rootfs, 'nodejs/bin/node'));
  writeFileSync(join(rootfs, 'etc/passwd'), PASSWD);
  writeFileSync(join(rootfs, 'etc/group'), GROUP);
  await run('chmod', ['1777', join(rootfs, 'tmp')]);
  await run('chown', ['65532:65532', join(rootfs, 'home/nonroot')]);
  await run('tar', ['--numeric-owner', '-C', rootfs, '-cf', join(work, 'distroless.tar'), '.']);
}

/** The base images the Dockerfiles start FROM, in buildah's storage (tagged with their key too). */
export async function ensureBaseImages(log: (line: string) => void): Promise<string> {
  const node = pinnedNode();
  const key = sha(RECIPE, DEBIAN_SUITE, node.version, NPM_VERSION, PASSWD);
  const marker = `localhost/orkestra-test/base:${key}`;
  const present = await buildah(['images', '--quiet', marker]).then(
    () => true,
    () => false,
  );
  if (present) return key;
  const started = performance.now();
  const slim = `docker.io/library/node:${node.version}-${DEBIAN_SUITE}-slim`;
  const distroless = `gcr.io/distroless/nodejs${node.version.split('.')[0]}-debian12:nonroot`;
  const mirror = debianMirror();
  if (!mirror) {
    // Not Debian (e.g. a hosted CI runner, which reaches the image registries): the real ones.
    log(`No Debian mirror configured: pulling ${slim} and ${distroless}…`);
    for (const ref of [slim, distroless]) await buildah(['pull', '--quiet', ref]);
    await buildah(['tag', slim, marker]);
    return key;
  }
  const work = mkdtempSync(join(tmpdir(), 'orkestra-base-'));
  try {
    const debian = await debianNodeRootfs(work, mirror, log);
    await distrolessRootfs(debian, work);
    await buildScratch(
      slim,
      'FROM scratch\nADD rootfs.tar /\nENV NODE_VERSION=' +
        `${node.version} PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\nCMD ["node"]\n`,
      { 'rootfs.tar': { path: join(work, 'rootfs.tar') } },
    );
    await buildScratch(
      distroless,
      'FROM scratch\nADD distroless.tar /\nUSER 65532:65532\nWORKDIR /home/nonroot\nENTRYPOINT ["/nodejs/bin/node"]\n',
      { 'distroless.tar': { path: join(work, 'distroless.tar') } },
    );
    await buildah(['tag', slim, marker]);
    log(`Base images assembled in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return key;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
