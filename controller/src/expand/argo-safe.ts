// PURE: JSON text that Argo and the kubelet pass on unchanged. A rendered Workflow carries each
// HelmRelease as a task parameter; the workflow-controller substitutes `{{…}}` in parameters (and
// evaluates `{{=…}}` as an expression), and the kubelet expands `$(VAR)` and turns `$$` into `$` in
// container args. Helm values hold both all the time (Prometheus rules, Grafana dashboards, charts
// that `tpl` their values), and must reach Helm as written.

/**
 * The same JSON value, written so that neither finds anything: inside strings, a `{` that begins
 * `{{` becomes `\u007b` and every `$` becomes `\u0024` (JSON's own escapes, which any JSON or YAML
 * parser decodes). Outside strings JSON text never holds `{{` or `$`, so the whole text can be
 * rewritten without parsing it.
 */
export function argoSafeJson(json: string): string {
  return json.replace(/\{(?=\{)/g, '\\u007b').replace(/\$/g, '\\u0024');
}
