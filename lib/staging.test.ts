import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isExactVersion, parseOciUrl, stagedChart } from './staging.ts';

describe('stagedChart', () => {
  const repo = 'https://charts.example/';
  const source = createHash('sha256').update('https://charts.example').digest('hex');
  it.each<
    [
      string,
      string,
      { url: string; name: string; version?: string },
      string,
      { repositoryUrl: string; chart: string },
    ]
  >([
    [
      'a plain parent version',
      'oci://reg:5000/staging/',
      { url: repo, name: 'bookinfo', version: '1.0.0' },
      'reviews',
      { repositoryUrl: `oci://reg:5000/staging/tenant/bookinfo-${source}`, chart: 'reviews--1.0.0' },
    ],
    [
      'no version → latest',
      'oci://reg/s',
      { url: repo, name: 'bookinfo' },
      'ratings',
      { repositoryUrl: `oci://reg/s/tenant/bookinfo-${source}`, chart: 'ratings--latest' },
    ],
  ])('%s', (_, url, parent, sub, expected) => {
    expect(stagedChart(url, 'tenant', parent, sub)).toEqual(expected);
  });

  it('keeps apart charts of one name from two repositories (a fork), with the full SHA-256', () => {
    const upstream = stagedChart(
      'oci://reg/s',
      'tenant',
      { url: repo, name: 'bookinfo', version: '1.0.0' },
      'reviews',
    );
    const fork = stagedChart(
      'oci://reg/s',
      'tenant',
      { url: 'https://fork.example', name: 'bookinfo', version: '1.0.0' },
      'reviews',
    );
    expect(fork.repositoryUrl).not.toBe(upstream.repositoryUrl);
    expect(upstream.repositoryUrl).toMatch(/-[0-9a-f]{64}$/);
  });

  it('keeps each namespace in a folder of its own', () => {
    const parent = { url: repo, name: 'bookinfo', version: '1.0.0' };
    const a = stagedChart('oci://reg/s', 'team-a', parent, 'reviews').repositoryUrl;
    const b = stagedChart('oci://reg/s', 'team-b', parent, 'reviews').repositoryUrl;
    expect(a).toMatch(/^oci:\/\/reg\/s\/team-a\//);
    expect(b).toMatch(/^oci:\/\/reg\/s\/team-b\//);
  });

  it('makes names OCI and Flux both accept from versions and names that are not, long ones cut', () => {
    const { repositoryUrl, chart } = stagedChart(
      'oci://reg/s',
      'tenant',
      { url: repo, name: `Book_Info${'x'.repeat(80)}`, version: 'v1.0.0+Build_7' },
      'ratings',
    );
    const name = /^oci:\/\/reg\/s\/tenant\/(.+)$/.exec(repositoryUrl)?.[1] ?? '';
    expect(name.length).toBeLessThanOrEqual(40 + 1 + 64);
    for (const part of [name, chart]) {
      expect(part).toMatch(/^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*$/); // OCI path component
      expect(part).toMatch(/^([-a-z0-9]+\/?\.?)+$/); // source-controller's chart name
    }
    expect(chart).not.toBe(
      stagedChart('oci://reg/s', 'tenant', { url: repo, name: 'x', version: 'v1.0.0+build_8' }, 'ratings')
        .chart,
    );
  });
});

describe('isExactVersion', () => {
  it.each<[string, boolean]>([
    ['1.0.0', true],
    ['v1', true],
    ['1.0.0-rc.1+build.2', true],
    ['', false],
    ['^1.2.0', false],
    ['~1.2', false],
    ['>=1.0.0', false],
    ['1.x', false],
    ['*', false],
    ['1.0.0 - 2.0.0', false],
    ['1.0.0 || 2.0.0', false],
  ])('%s → %s', (version, exact) => {
    expect(isExactVersion(version)).toBe(exact);
  });
});

describe('parseOciUrl', () => {
  it.each<[string, ReturnType<typeof parseOciUrl>]>([
    ['oci://127.0.0.1:5000/staging', { registry: '127.0.0.1:5000', path: 'staging' }],
    ['oci://Reg.Example/a/b/', { registry: 'reg.example', path: 'a/b' }],
    ['oci://reg.example', { registry: 'reg.example', path: '' }],
    ['http://reg.example/a', { problem: '"http://reg.example/a" is not an oci://HOST[:PORT][/PATH] URL' }],
    [
      'oci://reg.example/Staging',
      {
        problem:
          '"oci://reg.example/Staging": "Staging" cannot be part of an OCI repository name (lowercase letters, digits, and . _ - between them)',
      },
    ],
    ['oci://reg.example//a', { problem: '"oci://reg.example//a" has an empty path component (//)' }],
    ['oci://reg.example/a//b', { problem: '"oci://reg.example/a//b" has an empty path component (//)' }],
    [
      'oci://user@reg.example/a',
      { problem: '"oci://user@reg.example/a" is not an oci://HOST[:PORT][/PATH] URL' },
    ],
  ])('%s', (url, expected) => {
    expect(parseOciUrl(url)).toEqual(expected);
  });
});
