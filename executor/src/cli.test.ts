import { describe, expect, it } from 'vitest';
import { buildParser, UsageError } from './cli.ts';
import type { Run } from './run.ts';

function parse(argv: string[]) {
  const calls: Array<{ action: string; args: Record<string, unknown> }> = [];
  const run: Run = async (action, args) => {
    calls.push({ action, args: args as unknown as Record<string, unknown> });
  };
  return { calls, parsed: Promise.resolve().then(() => buildParser(run).parseAsync(argv)) };
}

describe('orkestra-executor parser', () => {
  it('passes apply its flags with the documented defaults', async () => {
    const { calls, parsed } = parse(['apply', '--helmrelease', 'hr.yaml', '--namespace-allow', 'a,b']);
    await parsed;
    expect(calls).toEqual([
      {
        action: 'apply',
        args: expect.objectContaining({
          helmrelease: 'hr.yaml',
          'namespace-allow': 'a,b',
          timeout: '5m',
          'result-file': '/tmp/orkestra-result.json',
          'log-format': 'json',
        }),
      },
    ]);
  });

  it.each<[string, string[], Record<string, string>]>([
    ['- (standard input)', ['apply', '--helmrelease', '-'], { helmrelease: '-' }],
    [
      'YAML that starts with a document marker',
      ['apply', '--helmrelease', '---\nkind: HelmRelease\n', '--source', '---\nkind: HelmRepository\n'],
      { helmrelease: '---\nkind: HelmRelease\n', source: '---\nkind: HelmRepository\n' },
    ],
    [
      'an empty source (the template default)',
      ['apply', '--helmrelease', '{}', '--source', ''],
      { source: '' },
    ],
    [
      'values that look like flags, on every option',
      [
        'probe',
        '--name',
        '--x',
        '--namespace',
        '-n',
        '--timeout',
        '-1s',
        '--namespace-allow',
        '-',
        '--result-file',
        '-r',
        '--kubeconfig',
        '--',
      ],
      {
        name: '--x',
        namespace: '-n',
        timeout: '-1s',
        'namespace-allow': '-',
        'result-file': '-r',
        kubeconfig: '--',
      },
    ],
  ])('takes any value as a string option’s value: %s', async (_name, argv, expected) => {
    const { calls, parsed } = parse(argv);
    await parsed;
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args).toMatchObject(expected);
  });

  it.each([
    [['apply', '--helmrelease'], 'Not enough arguments following: helmrelease'],
    [['apply'], 'Missing required argument: helmrelease'],
    [['probe', '--name', 'x'], 'Missing required argument: namespace'],
    [['explode'], 'Unknown argument: explode'],
    [['apply', '--helmrelease', 'x', '--log-format', 'xml'], 'Invalid values'],
  ])('%j is a usage error: %s', async (argv, message) => {
    const { calls, parsed } = parse(argv);
    await expect(parsed).rejects.toThrow(UsageError);
    await expect(parsed).rejects.toThrow(message);
    expect(calls).toEqual([]);
  });
});
