// Tar archives built entry by entry for tests, hostile ones included (`..`, links out, devices).
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';

export type Entry = {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'fifo';
  linkname?: string;
  data?: string | Buffer;
};

/** A .tgz with exactly these entries, whatever they are: the hostile ones are the point. */
export async function tarball(entries: Entry[], gzip = true): Promise<Buffer> {
  const packer = pack();
  const chunks: Buffer[] = [];
  packer.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
  const ended = new Promise<void>((resolve) => packer.on('end', () => resolve()));
  for (const { name, type = 'file', linkname, data = '' } of entries) {
    packer.entry(
      { name, type, linkname, size: type === 'file' ? Buffer.byteLength(data) : 0, mtime: new Date(0) },
      type === 'file' ? data : '',
    );
  }
  packer.finalize();
  await ended;
  const tar = Buffer.concat(chunks);
  return gzip ? gzipSync(tar) : tar;
}
