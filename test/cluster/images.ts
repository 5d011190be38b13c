// The project's container images as this machine can run them (there is no container runtime):
// each image's runtime stage, read from its Dockerfile, with the image's paths mapped onto the
// working tree — `/app/` (what `COPY --from=build /src/dist/ /app/` fills) onto dist/, the base
// image's /usr/local/bin/node onto the Node running this harness (the same pinned version).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './components.ts';

export interface LocalImage {
  /** Image reference as the templates and chart name it, e.g. `orkestra/executor:0.1.0`. */
  ref: string;
  /** The image's ENTRYPOINT, in image paths. */
  entrypoint: string[];
  /** The image's ENV, values in image paths. */
  env: Record<string, string>;
  /** Maps a path inside the image to the file that stands for it here (unknown paths unchanged). */
  hostPath: (imagePath: string) => string;
}

const IMAGE_DIST = '/app/';
const IMAGE_NODE = '/usr/local/bin/node';

/** The runtime stage (after the last FROM) of a Dockerfile: its ENTRYPOINT and ENV. */
export function runtimeStage(dockerfileText: string): { entrypoint: string[]; env: Record<string, string> } {
  const runtime = dockerfileText.slice(dockerfileText.lastIndexOf('\nFROM '));
  const entrypoint = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(runtime)?.[1] ?? '[]') as string[];
  const env: Record<string, string> = {};
  for (const match of runtime.matchAll(/^ENV (.*)$/gm)) {
    for (const pair of (match[1] as string).split(' ')) {
      const [key, value = ''] = pair.split('=');
      if (key) env[key] = value;
    }
  }
  return { entrypoint, env };
}

export function hostPathIn(root: string): (imagePath: string) => string {
  return (imagePath) => {
    if (imagePath === IMAGE_NODE) return process.execPath;
    if (imagePath.startsWith(IMAGE_DIST)) return join(root, 'dist', imagePath.slice(IMAGE_DIST.length));
    return imagePath;
  };
}

/** The images a step pod may name, keyed by reference (the version is package.json's). */
export function localImages(root = REPO_ROOT): Map<string, LocalImage> {
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  const images = new Map<string, LocalImage>();
  for (const [name, dockerfile] of [['orkestra/executor', 'Dockerfile.executor']] as const) {
    const ref = `${name}:${version}`;
    images.set(ref, {
      ref,
      ...runtimeStage(readFileSync(join(root, dockerfile), 'utf8')),
      hostPath: hostPathIn(root),
    });
  }
  return images;
}
