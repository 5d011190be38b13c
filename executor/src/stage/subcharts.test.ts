import { describe, expect, it } from 'vitest';
import { type Entry, tarball } from '../../../test/support/tarball.ts';
import { ARCHIVE_LIMITS, ChartArchiveError, readChartArchive } from './chart-archive.ts';
import { chartArtifact, MediaTypes, sha256Digest } from './helm-artifact.ts';
import { chartMetadata, embeddedCharts, pickSubcharts, unstageableReason } from './subcharts.ts';

const chartYaml = (name: string, version = '1.0.0') => `apiVersion: v2\nname: ${name}\nversion: ${version}\n`;

async function parent(extra: Entry[] = []) {
  const archived = await tarball([{ name: 'ratings/Chart.yaml', data: chartYaml('ratings', '1.2.0') }]);
  return readChartArchive(
    await tarball([
      { name: 'bookinfo/Chart.yaml', data: chartYaml('bookinfo') },
      // A folder is found by the name in its Chart.yaml, not by the folder's name.
      { name: 'bookinfo/charts/pp/Chart.yaml', data: chartYaml('productpage') },
      { name: 'bookinfo/charts/pp/templates/svc.yaml', data: 'kind: Service' },
      { name: 'bookinfo/charts/ratings-1.2.0.tgz', data: archived },
      ...extra,
    ]),
  );
}

describe('embeddedCharts', () => {
  it('finds folders and archives in charts/, by their Chart.yaml name, with their own files', async () => {
    const charts = await embeddedCharts(await parent());
    expect([...charts.keys()].sort()).toEqual(['productpage', 'ratings']);
    expect(charts.get('productpage')?.chart).toMatchObject({ root: 'pp' });
    expect([...(charts.get('productpage')?.chart.files.keys() ?? [])].sort()).toEqual([
      'Chart.yaml',
      'templates/svc.yaml',
    ]);
    expect(charts.get('ratings')?.metadata).toMatchObject({ name: 'ratings', version: '1.2.0' });
  });

  it('refuses two embedded charts of one name, naming both', async () => {
    const error = await embeddedCharts(
      await parent([{ name: 'bookinfo/charts/pp2/Chart.yaml', data: chartYaml('productpage') }]),
    ).catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      'bookinfo/charts/pp and bookinfo/charts/pp2 are both a chart named productpage',
    );
  });

  it('skips entries of charts/ that begin with _ or ., as Helm does', async () => {
    const charts = await embeddedCharts(
      await parent([
        { name: 'bookinfo/charts/_old/Chart.yaml', data: chartYaml('productpage', '0.9.0') },
        { name: 'bookinfo/charts/.cache.tgz', data: 'not even an archive' },
      ]),
    );
    expect(charts.get('productpage')?.metadata.version).toBe('1.0.0');
  });

  it('counts the embedded archives against what is left of the parent’s size limit', async () => {
    const nested = (name: string) =>
      tarball([
        { name: `${name}/Chart.yaml`, data: chartYaml(name) },
        { name: `${name}/big`, data: 'x'.repeat(6000) },
      ]);
    const limits = { ...ARCHIVE_LIMITS, maxTotalBytes: 20_000 };
    const budget = { bytes: limits.maxTotalBytes };
    const chart = await readChartArchive(
      await tarball([
        { name: 'p/Chart.yaml', data: chartYaml('p') },
        { name: 'p/charts/a.tgz', data: await nested('a') },
        { name: 'p/charts/b.tgz', data: await nested('b') },
      ]),
      limits,
      budget,
    );
    // Each embedded archive alone fits in 20,000 bytes; the parent and both do not.
    const error = await embeddedCharts(chart, limits, budget).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /^p\/charts\/b.tgz: the chart decompresses to more than 20000 bytes$/,
    );
  });

  it('checks an embedded archive like the parent, naming where it is', async () => {
    const hostile = await tarball([
      { name: 'x/Chart.yaml', data: chartYaml('x') },
      { name: 'x/l', type: 'symlink', linkname: '../../y' },
    ]);
    const chart = await readChartArchive(
      await tarball([
        { name: 'p/Chart.yaml', data: chartYaml('p') },
        { name: 'p/charts/x.tgz', data: hostile },
      ]),
    );
    const error = await embeddedCharts(chart).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChartArchiveError);
    expect((error as Error).message).toBe('p/charts/x.tgz: link "x/l" points outside the chart\'s folder');
  });
});

describe('chartMetadata', () => {
  it.each([
    ['a Chart.yaml that is not YAML', 'name: [', /p\/Chart.yaml is not YAML/],
    ['a Chart.yaml that is a list', '- a', /p\/Chart.yaml is not a mapping/],
    ['a Chart.yaml without a version', 'name: p', /p\/Chart.yaml has no version/],
    ['a Chart.yaml whose name is a number', 'name: 1\nversion: 1.0.0', /p\/Chart.yaml has no name/],
  ])('refuses %s', (_, text, reason) => {
    expect(() =>
      chartMetadata({ root: 'p', files: new Map([['Chart.yaml', Buffer.from(text)]]) }, 'p'),
    ).toThrow(reason);
  });
});

describe('pickSubcharts', () => {
  it('keeps the order the group gives, and names each missing one with those that exist', async () => {
    const charts = await embeddedCharts(await parent());
    const picked = pickSubcharts(charts, ['ratings', 'productpage']);
    expect('picked' in picked && picked.picked.map((c) => c.metadata.name)).toEqual([
      'ratings',
      'productpage',
    ]);
    expect(pickSubcharts(charts, ['reviews', 'ratings', 'details'])).toEqual({
      missing: ['reviews', 'details'],
      existing: ['productpage', 'ratings'],
    });
  });
});

describe('unstageableReason', () => {
  it.each([
    ['1.0.0', 'ok', undefined],
    ['1.0.0-rc.1+build.5', 'ok', undefined],
    ['v1.0.0', 'ok', /"v1.0.0" is not a semantic version/],
    ['1.0', 'ok', /"1.0" is not a semantic version/],
    ['1.0.0', 'Reviews', /"Reviews" cannot be an OCI repository name/],
  ])('version %s, name %s', (version, name, reason) => {
    const why = unstageableReason({ name, version });
    if (reason === undefined) expect(why).toBeUndefined();
    else expect(why).toMatch(reason);
  });
});

describe('chartArtifact', () => {
  it('is the artifact helm push makes: config = Chart.yaml as JSON, one chart layer, the tag with _ for +', () => {
    const archive = Buffer.from('tgz bytes');
    const artifact = chartArtifact({ name: 'ratings', version: '1.2.0+b1', description: 'r' }, archive);
    expect(artifact.tag).toBe('1.2.0_b1');
    expect(JSON.parse(artifact.config.data.toString())).toEqual({
      name: 'ratings',
      version: '1.2.0+b1',
      description: 'r',
    });
    const manifest = JSON.parse(artifact.manifest.data.toString());
    expect(manifest).toEqual({
      schemaVersion: 2,
      mediaType: MediaTypes.manifest,
      config: {
        mediaType: MediaTypes.helmConfig,
        digest: artifact.config.digest,
        size: artifact.config.size,
      },
      layers: [{ mediaType: MediaTypes.helmChart, digest: sha256Digest(archive), size: archive.length }],
      annotations: {
        'org.opencontainers.image.title': 'ratings',
        'org.opencontainers.image.version': '1.2.0+b1',
        'org.opencontainers.image.description': 'r',
      },
    });
    expect(artifact.manifest.digest).toBe(sha256Digest(artifact.manifest.data));
  });
});
