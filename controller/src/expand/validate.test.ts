import { describe, expect, it } from 'vitest';
import { application, bookinfo, groupOf } from '../../../test/support/groups.ts';
import { validateApplicationGroup } from './validate.ts';

function problems(value: unknown): string[] {
  const result = validateApplicationGroup(value);
  return result.ok ? [] : result.problems.map((p) => `${p.path}: ${p.message}`);
}

describe('validateApplicationGroup', () => {
  it('accepts the original Orkestra bookinfo manifest unchanged', () => {
    expect(problems(bookinfo())).toEqual([]);
  });

  it.each<[string, unknown, string[]]>([
    [
      'a dependency cycle a → b → c → a is printed along the cycle',
      groupOf([application('a', ['c']), application('b', ['a']), application('c', ['b'])]),
      ['spec.applications: dependency cycle: a → c → b → a'],
    ],
    [
      'two separate cycles are both reported',
      groupOf([
        application('a', ['b']),
        application('b', ['a']),
        application('x', ['y']),
        application('y', ['x']),
      ]),
      ['spec.applications: dependency cycle: a → b → a', 'spec.applications: dependency cycle: x → y → x'],
    ],
    [
      'a subchart cycle names its application path',
      groupOf([
        application('app', [], {
          subcharts: [
            { name: 'p', dependencies: ['q'] },
            { name: 'q', dependencies: ['p'] },
          ],
        }),
      ]),
      ['spec.applications[0].spec.subcharts: dependency cycle: p → q → p'],
    ],
    [
      'duplicate names and unknown dependencies, all at once',
      groupOf([application('a'), application('a', ['ghost']), application('b', ['b'])]),
      [
        'spec.applications[1].name: duplicate application name "a" (also spec.applications[0])',
        'spec.applications[1].dependencies[0]: unknown application "ghost"',
        'spec.applications[2].dependencies[0]: application "b" depends on itself',
      ],
    ],
    [
      'Argo or kubelet substitution syntax in what the stage step gets as plain parameters',
      groupOf([
        application('app', [], {
          chart: {
            url: 'https://charts.example/{{workflow.name}}',
            name: 'chart-$(HOME)',
            version: '{{=sprig.upper("x")}}',
            authSecretRef: { name: '$$creds' },
          },
          subcharts: [{ name: 'a,b' }, { name: '{{x}}' }],
        }),
      ]),
      [
        "spec.applications[0].spec.chart.url: must be an http://, https:// or oci:// URL without spaces, '{', '}' or '$' (Argo and the kubelet would substitute them)",
        "spec.applications[0].spec.chart.name: must not contain spaces, '{', '}' or '$' (Argo and the kubelet would substitute them)",
        "spec.applications[0].spec.chart.version: must not contain '{', '}' or '$' (Argo and the kubelet would substitute them)",
        "spec.applications[0].spec.chart.authSecretRef.name: must be a Secret's name: a DNS-1123 subdomain (lower case, digits, '-', '.')",
        "spec.applications[0].spec.subcharts[0].name: must contain a letter or a digit, and no '{', '}', '$' (Argo and the kubelet would substitute them) or ','",
        "spec.applications[0].spec.subcharts[1].name: must contain a letter or a digit, and no '{', '}', '$' (Argo and the kubelet would substitute them) or ','",
      ],
    ],
    [
      'subcharts of a chart given without a version',
      groupOf([
        application('app', [], {
          chart: { url: 'https://charts.example/', name: 'app' },
          subcharts: [{ name: 'p', dependencies: [] }],
        }),
      ]),
      [
        'spec.applications[0].spec.chart.version: is required with subcharts: they are staged per version of the parent chart, and a new version is what has them fetched and upgraded again',
      ],
    ],
    [
      'subcharts of a chart given as a version range',
      groupOf([
        application('app', [], {
          chart: { url: 'https://charts.example/', name: 'app', version: '^1.2.0' },
          subcharts: [{ name: 'p', dependencies: [] }],
        }),
      ]),
      [
        'spec.applications[0].spec.chart.version: "^1.2.0" is a range; with subcharts it must be one version, as they are staged per version of the parent chart',
      ],
    ],
    [
      'an unknown subchart dependency',
      groupOf([application('app', [], { subcharts: [{ name: 'p', dependencies: ['nope'] }] })]),
      ['spec.applications[0].spec.subcharts[0].dependencies[0]: unknown subchart "nope"'],
    ],
    [
      'names that sanitise alike (Web, web) are kept apart by a hash, not refused',
      groupOf([application('Web'), application('web')]),
      [],
    ],
    [
      'a subchart release whose name is another application',
      groupOf([application('a', [], { subcharts: [{ name: 'b' }] }), application('a-b')]),
      [
        'spec.applications[1]: HelmRelease name "a-b" of application "a-b" is also the name of subchart "b" of application "a"\'s HelmRelease',
      ],
    ],
    [
      'a name with no letter or digit',
      groupOf([application('--')]),
      ['spec.applications[0].name: must contain a letter or a digit so it can become a DNS-1123 label'],
    ],
    [
      'missing chart url and name',
      groupOf([{ name: 'a', spec: { chart: {} } } as never]),
      [
        'spec.applications[0].spec.chart.url: is required',
        'spec.applications[0].spec.chart.name: is required',
      ],
    ],
    [
      'a version YAML read as a number',
      groupOf([application('a', [], { chart: { url: 'https://x/', name: 'a', version: 1.1 as never } })]),
      ['spec.applications[0].spec.chart.version: must be a string'],
    ],
    [
      'a bad URL, duration and namespace',
      groupOf([
        application('a', [], {
          chart: { url: 'ftp://x', name: 'a' },
          release: { timeout: '10 minutes', targetNamespace: 'Bad_NS' },
        }),
      ]),
      [
        "spec.applications[0].spec.chart.url: must be an http://, https:// or oci:// URL without spaces, '{', '}' or '$' (Argo and the kubelet would substitute them)",
        "spec.applications[0].spec.release.targetNamespace: must be a DNS-1123 label (lower-case letters, digits and '-')",
        'spec.applications[0].spec.release.timeout: must be a duration such as 30s, 5m or 1h30m',
      ],
    ],
    [
      'an unknown field',
      groupOf([application('a', [], { relase: {} } as never)]),
      ['spec.applications[0].spec.relase: is not a known field'],
    ],
    [
      'an auth secret in another namespace',
      groupOf([
        application('a', [], {
          chart: { url: 'https://x/', name: 'a', authSecretRef: { name: 's', namespace: 'other' } },
        }),
      ]),
      [
        'spec.applications[0].spec.chart.authSecretRef.namespace: the Secret must be in the group\'s namespace "apps" (Flux reads it from there), not "other"',
      ],
    ],
    [
      'a keptn executor',
      groupOf([application('a', [], { workflow: [{ name: 'k', type: 'keptn' }] })]),
      [
        'spec.applications[0].spec.workflow[0].type: executor type "keptn" is not supported; only "helmrelease" is',
      ],
    ],
    [
      'the wrong kind',
      { apiVersion: 'v1', kind: 'ConfigMap' },
      [': must be kind ApplicationGroup of orkestra.azure.microsoft.com/v1alpha1 (got ConfigMap of v1)'],
    ],
    [
      'a bad group name',
      groupOf([application('a')], { name: 'Not Valid' }),
      ["metadata.name: \"Not Valid\" must be a DNS-1123 subdomain (lower case, digits, '-', '.')"],
    ],
  ])('%s', (_name, group, expected) => {
    expect(problems(group)).toEqual(expected);
  });
});
