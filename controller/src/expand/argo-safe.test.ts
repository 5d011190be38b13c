import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { argoSafeJson } from './argo-safe.ts';

describe('argoSafeJson', () => {
  it.each<[string, unknown]>([
    ['an Argo variable', { v: 'run {{workflow.name}}' }],
    ['an Argo expression', { v: '{{=sprig.upper("x")}}' }],
    ['a Prometheus template', { v: '{{ $labels.instance }} is down' }],
    ['a Helm template in a value', { v: '{{ .Values.x }}' }],
    ['three braces', { v: '{{{ x }}}' }],
    ['braces at the end of a string', { v: 'x{', w: '{' }],
    ['a template in a key', { '{{key}}': '$(VAR)' }],
    ['kubelet references', { v: '$(HOSTNAME) $$ $ $$(x)' }],
    ['a backslash before braces and dollars', { v: '\\{{x}} \\$(y)' }],
    ['JSON inside a value', { v: '{"a":{"b":1}}' }],
    ['nested objects and arrays', { a: [{ b: { c: [{}] } }], d: {} }],
  ])('%s: no {{ and no $ left, and the same value for JSON and YAML parsers', (_row, value) => {
    const safe = argoSafeJson(JSON.stringify(value));
    expect(safe).not.toContain('{{');
    expect(safe).not.toContain('$');
    expect(JSON.parse(safe)).toEqual(value);
    expect(parse(safe)).toEqual(value);
  });

  it('leaves JSON without {{ or $ as it is', () => {
    const json = JSON.stringify({ a: { b: [{ c: '{x}' }] } });
    expect(argoSafeJson(json)).toBe(json);
  });
});
