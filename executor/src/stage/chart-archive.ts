// PURE (no I/O but in-memory streams): a chart archive (.tgz) read into memory with every entry
// checked — nothing is ever written to disk, so a hostile archive has no folder to escape from —
// and chart archives written back deterministically (the same files give the same bytes, hence the
// same OCI digest: staging again changes nothing).
import { gunzipSync, gzipSync } from 'node:zlib';
import { extract, type Header, pack } from 'tar-stream';

/**
 * Limits for a chart: Helm's own per file (5 MiB, pkg/chart/loader); in all, half of Helm's
 * 100 MiB, so that reading and packing fit the step's 256 MiB of memory; and a file count.
 */
export const ARCHIVE_LIMITS = {
  /** The compressed archive. */
  maxArchiveBytes: 20 * 1024 * 1024,
  /** Everything decompressed (the tar streams), the parent's and its embedded archives' together. */
  maxTotalBytes: 50 * 1024 * 1024,
  maxFileBytes: 5 * 1024 * 1024,
  maxEntries: 10_000,
};

/** What is left of maxTotalBytes, shared by an archive and the archives embedded in it. */
export interface Budget {
  bytes: number;
}
export type ArchiveLimits = typeof ARCHIVE_LIMITS;

/** A chart: its files by path below its top folder (`Chart.yaml`, `templates/x.yaml`, …). */
export interface ChartFiles {
  /** The archive's top folder (Helm names it after the chart). */
  root: string;
  files: Map<string, Buffer>;
}

/** An archive that is not a chart, or one that could escape, explode or lie: refused with the reason. */
export class ChartArchiveError extends Error {}

const refuse = (message: string): never => {
  throw new ChartArchiveError(message);
};

/**
 * An entry's path as a list of segments, or the reason it is refused: no absolute paths, no `..`,
 * no NUL or backslash (a Windows separator that another tool might honour).
 */
function segmentsOf(path: string): string[] {
  if (path.includes('\0') || path.includes('\\'))
    refuse(`entry "${printable(path)}": a NUL or backslash in its path`);
  if (path.startsWith('/')) refuse(`entry "${printable(path)}": an absolute path`);
  const segments = path.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..'))
    refuse(`entry "${printable(path)}": a path that leaves the chart's folder (..)`);
  return segments;
}

/** Entry names quoted in errors are cut short and stripped of control characters. */
function printable(text: string): string {
  const clean = [...text].map((c) => (c < ' ' || c === '\u007f' ? '?' : c)).join('');
  return clean.length > 120 ? `${clean.slice(0, 120)}…` : clean;
}

/**
 * Where a link entry points, as a path below the archive's root: a symlink is resolved against its
 * own folder, a hard link names an archive path. Refused when it points outside.
 */
function linkTarget(header: Header, segments: string[]): string[] {
  const target = header.linkname ?? '';
  if (target === '') refuse(`link "${printable(header.name)}" has no target`);
  if (target.startsWith('/')) refuse(`link "${printable(header.name)}" points to an absolute path`);
  const base = header.type === 'symlink' ? segments.slice(0, -1) : [];
  const resolved: string[] = [...base];
  for (const part of target.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (resolved.length <= 1) refuse(`link "${printable(header.name)}" points outside the chart's folder`);
      resolved.pop();
    } else resolved.push(part);
  }
  return resolved;
}

/**
 * Reads a chart archive: gunzipped within what is left of the size budget, every tar entry checked
 * (paths confined to one top folder, only files and folders, the count and size limits). Links are
 * refused: `helm package` copies the file a link points to, so a chart archive holds none (and one
 * link per file could multiply the content). Throws ChartArchiveError with the reason.
 */
export async function readChartArchive(
  archive: Buffer,
  limits: ArchiveLimits = ARCHIVE_LIMITS,
  budget: Budget = { bytes: limits.maxTotalBytes },
): Promise<ChartFiles> {
  if (archive.length > limits.maxArchiveBytes)
    refuse(`the archive is larger than ${limits.maxArchiveBytes} bytes`);
  if (archive.length < 2 || archive[0] !== 0x1f || archive[1] !== 0x8b)
    refuse('not a gzip-compressed archive');
  const tar = gunzipWithin(archive, budget.bytes, limits.maxTotalBytes);
  budget.bytes -= tar.length;
  const files = new Map<string, Buffer>();
  let root: string | undefined;
  let entries = 0;
  const parser = extract();
  const reading = (async () => {
    for await (const entry of parser) {
      const header = entry.header;
      if (++entries > limits.maxEntries) refuse(`more than ${limits.maxEntries} entries`);
      const segments = segmentsOf(header.name);
      const [top, ...rest] = segments;
      if (top === undefined) refuse(`entry "${printable(header.name)}" has an empty path`);
      root ??= top;
      if (top !== root)
        refuse(
          `entries under more than one top folder ("${printable(root as string)}", "${printable(top as string)}")`,
        );
      const path = rest.join('/');
      if (path === '' && header.type !== 'directory')
        refuse(`entry "${printable(header.name)}" is not inside the chart's folder`);
      if ((header.type === 'file' || header.type === 'contiguous-file') && path !== '') {
        if ((header.size ?? 0) > limits.maxFileBytes)
          refuse(`file "${printable(header.name)}" is larger than ${limits.maxFileBytes} bytes`);
        if (files.has(path)) refuse(`entry "${printable(header.name)}" appears twice`);
        const chunks: Buffer[] = [];
        for await (const chunk of entry) chunks.push(chunk as Buffer);
        // One chunk is a view of `tar` already: no copy.
        files.set(path, chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
        continue;
      }
      if (header.type === 'symlink' || header.type === 'link') {
        const [targetTop] = linkTarget(header, segments);
        if (targetTop !== root) refuse(`link "${printable(header.name)}" points outside the chart's folder`);
        refuse(
          `"${printable(header.name)}" is a link; a chart archive holds none (helm package copies the file instead)`,
        );
      } else if (header.type !== 'directory') {
        refuse(
          `entry "${printable(header.name)}" is a ${header.type ?? 'special'} entry (only files and folders are allowed)`,
        );
      }
      entry.resume();
    }
  })();
  parser.end(tar);
  try {
    await reading;
  } catch (error) {
    if (error instanceof ChartArchiveError) throw error;
    refuse(`corrupt tar data (${(error as Error).message})`);
  }
  if (root === undefined || files.size === 0) refuse('an empty archive');
  if (!files.has('Chart.yaml')) refuse(`not a chart: no ${printable(root as string)}/Chart.yaml`);
  return { root: root as string, files };
}

function gunzipWithin(archive: Buffer, maxBytes: number, limit: number): Buffer {
  try {
    return gunzipSync(archive, { maxOutputLength: Math.max(1, maxBytes) });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      return refuse(`the chart decompresses to more than ${limit} bytes`);
    }
    return refuse(`corrupt gzip data (${(error as Error).message})`);
  }
}

/**
 * A chart archive as `helm package` lays it out (`<root>/…`), written deterministically: entries
 * sorted, owner 0, mode 0644, time 0, gzip at a fixed level with no name or time.
 */
export async function writeChartArchive(chart: ChartFiles): Promise<Buffer> {
  const packer = pack();
  const chunks: Buffer[] = [];
  packer.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
  const ended = new Promise<void>((resolve, reject) => {
    packer.on('end', resolve);
    packer.on('error', reject);
  });
  const paths = [...chart.files.keys()].sort();
  for (const path of paths) {
    const data = chart.files.get(path) as Buffer;
    packer.entry(
      {
        name: `${chart.root}/${path}`,
        size: data.length,
        mode: 0o644,
        mtime: new Date(0),
        uid: 0,
        gid: 0,
        uname: '',
        gname: '',
        type: 'file',
      },
      data,
    );
  }
  packer.finalize();
  await ended;
  const gz = gzipSync(Buffer.concat(chunks), { level: 9 });
  gz[9] = 3; // the OS byte (Unix), which zlib sets per platform: the same bytes everywhere
  return gz;
}
