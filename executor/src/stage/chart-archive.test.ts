import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { type Entry, tarball } from '../../../test/support/tarball.ts';
import { ARCHIVE_LIMITS, ChartArchiveError, readChartArchive, writeChartArchive } from './chart-archive.ts';

const chartYaml = { name: 'app/Chart.yaml', data: 'apiVersion: v2\nname: app\nversion: 1.0.0\n' };

describe('readChartArchive', () => {
  it('reads every file below the top folder, keyed by its path there', async () => {
    const chart = await readChartArchive(
      await tarball([
        { name: 'app/', type: 'directory' },
        chartYaml,
        { name: 'app/templates/cm.yaml', data: 'kind: ConfigMap' },
      ]),
    );
    expect(chart.root).toBe('app');
    expect([...chart.files.keys()].sort()).toEqual(['Chart.yaml', 'templates/cm.yaml']);
    expect(chart.files.get('templates/cm.yaml')?.toString()).toBe('kind: ConfigMap');
  });

  /** A chart with app/v.yaml, and `entry`. */
  const besideAFile = (entry: Entry) => tarball([chartYaml, { name: 'app/v.yaml', data: 'a: 1' }, entry]);
  const small = { ...ARCHIVE_LIMITS, maxFileBytes: 64, maxEntries: 4, maxTotalBytes: 16 * 1024 };
  it.each<[string, () => Promise<Buffer>, RegExp]>([
    [
      'an entry with .. in its path is refused',
      () => tarball([chartYaml, { name: 'app/../../etc/cron.d/x', data: 'x' }]),
      /app\/\.\.\/\.\.\/etc\/cron\.d\/x.*leaves the chart's folder/,
    ],
    [
      'an absolute path is refused',
      () => tarball([chartYaml, { name: '/etc/passwd', data: 'x' }]),
      /"\/etc\/passwd": an absolute path/,
    ],
    [
      'a symlink escaping the folder is refused',
      () =>
        tarball([
          chartYaml,
          { name: 'app/templates/x.yaml', type: 'symlink', linkname: '../../../etc/passwd' },
        ]),
      /link "app\/templates\/x.yaml" points outside the chart's folder/,
    ],
    [
      'a symlink to an absolute path is refused',
      () => tarball([chartYaml, { name: 'app/x', type: 'symlink', linkname: '/etc/passwd' }]),
      /link "app\/x" points to an absolute path/,
    ],
    [
      'a hard link to a file outside the archive is refused',
      () => tarball([chartYaml, { name: 'app/x', type: 'link', linkname: 'other/secret' }]),
      /link "app\/x" points outside the chart's folder/,
    ],
    [
      'a symlink that stays inside is refused too: helm package copies files, so archives hold no links',
      () => besideAFile({ name: 'app/t/v.yaml', type: 'symlink', linkname: '../v.yaml' }),
      /"app\/t\/v.yaml" is a link; a chart archive holds none/,
    ],
    [
      'a hard link inside is refused (one link per file could multiply the content)',
      () => besideAFile({ name: 'app/copy.yaml', type: 'link', linkname: 'app/v.yaml' }),
      /"app\/copy.yaml" is a link; a chart archive holds none/,
    ],
    [
      'a fifo is refused',
      () => tarball([chartYaml, { name: 'app/pipe', type: 'fifo' }]),
      /"app\/pipe" is a fifo entry \(only files and folders are allowed\)/,
    ],
    [
      'entries under two top folders are refused',
      () => tarball([chartYaml, { name: 'other/Chart.yaml', data: 'x' }]),
      /more than one top folder \("app", "other"\)/,
    ],
    [
      'a file outside any folder is refused',
      () => tarball([{ name: 'Chart.yaml', data: 'x' }]),
      /"Chart.yaml" is not inside the chart's folder/,
    ],
    [
      'the same path twice is refused',
      () => tarball([chartYaml, { name: 'app/v', data: '1' }, { name: 'app/./v', data: '2' }]),
      /"app\/.\/v" appears twice/,
    ],
    [
      'an archive without Chart.yaml is not a chart',
      () => tarball([{ name: 'app/values.yaml', data: 'a: 1' }]),
      /not a chart: no app\/Chart.yaml/,
    ],
    ['an empty archive is refused', () => tarball([]), /an empty archive/],
    [
      'plain text is not an archive',
      async () => Buffer.from('<html>not found</html>'),
      /not a gzip-compressed archive/,
    ],
    [
      'a truncated archive is refused',
      async () => (await tarball([chartYaml])).subarray(0, 30),
      /corrupt gzip data/,
    ],
    [
      'gzip around something that is not tar is refused',
      async () => gzipSync(Buffer.from('x'.repeat(1024))),
      /corrupt tar data|an empty archive/,
    ],
    [
      'a file over the size limit is refused',
      () => tarball([chartYaml, { name: 'app/big', data: 'x'.repeat(65) }]),
      /"app\/big" is larger than 64 bytes/,
    ],
    [
      'more entries than the limit are refused',
      () => tarball([chartYaml, ...[1, 2, 3, 4].map((i) => ({ name: `app/${i}`, data: '' }))]),
      /more than 4 entries/,
    ],
    [
      'a gzip bomb is refused before it is inflated',
      async () => gzipSync(Buffer.alloc(10 * 1024 * 1024)),
      /the chart decompresses to more than 16384 bytes/,
    ],
  ])('%s', async (_, archive, reason) => {
    const error = await readChartArchive(await archive(), small).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChartArchiveError);
    expect((error as Error).message).toMatch(reason);
  });

  it('quotes hostile names without their control characters', async () => {
    const error = await readChartArchive(
      await tarball([chartYaml, { name: 'app/../\u001b[31mred', data: '' }]),
    ).catch((e: unknown) => e);
    expect((error as Error).message).toContain('app/../?[31mred');
  });
});

describe('writeChartArchive', () => {
  const files = (order: string[]) => new Map(order.map((p) => [p, Buffer.from(`content of ${p}`)]));

  it('writes the same bytes for the same files, whatever order they were added in', async () => {
    const a = await writeChartArchive({
      root: 'app',
      files: files(['Chart.yaml', 'values.yaml', 'templates/a.yaml']),
    });
    const b = await writeChartArchive({
      root: 'app',
      files: files(['templates/a.yaml', 'Chart.yaml', 'values.yaml']),
    });
    expect(a.equals(b)).toBe(true);
  });

  it('writes what readChartArchive reads back, under the root folder', async () => {
    const chart = { root: 'app', files: files(['Chart.yaml', 'templates/a.yaml']) };
    const back = await readChartArchive(await writeChartArchive(chart));
    expect(back).toEqual(chart);
  });
});
