import { Ajv, type ErrorObject } from 'ajv';
import {
  APPLICATION_GROUP_API_VERSION,
  APPLICATION_GROUP_KIND,
  type ApplicationGroup,
  type DagNode,
} from '../../../lib/api/application-group.ts';
import {
  applicationGroupSchema,
  STAGE_PARAMETER_PATTERNS,
} from '../../../lib/api/application-group-schema.ts';
import type { Problem } from '../../../lib/errors.ts';
import { canBecomeDnsLabel, isDnsLabel, toDnsLabel } from '../../../lib/names.ts';
import { isExactVersion } from '../../../lib/staging.ts';
import { findCycles } from './graph.ts';
import { releaseName } from './helm-release.ts';

export type Validation = { ok: true; group: ApplicationGroup } | { ok: false; problems: Problem[] };

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Checks a parsed object against everything the API server checks (the CRD schema and its CEL rules)
 * and what it cannot (cycles, names that collide after sanitising, unsupported executors), and
 * reports every problem at once, each with the path of the field at fault.
 */
export function validateApplicationGroup(value: unknown): Validation {
  const problems = [...checkSchema(value)];
  const view = semanticView(value);
  if (view) problems.push(...checkSemantics(view));
  return problems.length === 0 ? { ok: true, group: value as ApplicationGroup } : { ok: false, problems };
}

// ---- schema (what the CRD's structural schema rejects) ----

let compiled: ReturnType<Ajv['compile']> | undefined;

function checkSchema(value: unknown): Problem[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return [{ path: '', message: 'must be an ApplicationGroup object' }];
  }
  const problems: Problem[] = [];
  const object = value as Record<string, unknown>;
  if (object.apiVersion !== APPLICATION_GROUP_API_VERSION || object.kind !== APPLICATION_GROUP_KIND) {
    problems.push({
      path: '',
      message: `must be kind ${APPLICATION_GROUP_KIND} of ${APPLICATION_GROUP_API_VERSION} (got ${String(object.kind)} of ${String(object.apiVersion)})`,
    });
    return problems;
  }
  const metadata = object.metadata as Record<string, unknown> | undefined;
  const name = metadata?.name;
  if (typeof name !== 'string' || name === '') {
    problems.push({ path: 'metadata.name', message: 'is required' });
  } else if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) {
    problems.push({
      path: 'metadata.name',
      message: `"${name}" must be a DNS-1123 subdomain (lower case, digits, '-', '.')`,
    });
  }
  const namespace = metadata?.namespace;
  if (namespace !== undefined && (typeof namespace !== 'string' || !isDnsLabel(namespace))) {
    problems.push({ path: 'metadata.namespace', message: `"${String(namespace)}" must be a DNS-1123 label` });
  }
  compiled ??= new Ajv({ allErrors: true, strict: false, validateFormats: false }).compile(
    toJsonSchema(applicationGroupSchema) as object,
  );
  if (!compiled(value)) problems.push(...(compiled.errors ?? []).map(toProblem));
  return problems;
}

/** The CRD schema as plain JSON Schema: objects reject unknown fields, as kubectl's strict validation does. */
export function toJsonSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toJsonSchema);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(schema)) {
    if (key.startsWith('x-kubernetes-')) continue;
    out[key] =
      key === 'properties' || key === 'additionalProperties' || key === 'items'
        ? key === 'properties'
          ? Object.fromEntries(Object.entries(item as object).map(([k, v]) => [k, toJsonSchema(v)]))
          : toJsonSchema(item)
        : item;
  }
  const record = schema as Record<string, unknown>;
  if (record.properties && !record['x-kubernetes-preserve-unknown-fields'] && !record.additionalProperties) {
    out.additionalProperties = false;
  }
  return out;
}

const SUBSTITUTED = '(Argo and the kubelet would substitute them)';
const PATTERN_MESSAGES: Record<string, string> = {
  '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$': 'must be a duration such as 30s, 5m or 1h30m',
  '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$': "must be a DNS-1123 label (lower-case letters, digits and '-')",
  '[a-zA-Z0-9]': 'must contain a letter or a digit so it can become a DNS-1123 label',
  [STAGE_PARAMETER_PATTERNS.url]: `must be an http://, https:// or oci:// URL without spaces, '{', '}' or '$' ${SUBSTITUTED}`,
  [STAGE_PARAMETER_PATTERNS.chartName]: `must not contain spaces, '{', '}' or '$' ${SUBSTITUTED}`,
  [STAGE_PARAMETER_PATTERNS.version]: `must not contain '{', '}' or '$' ${SUBSTITUTED}`,
  [STAGE_PARAMETER_PATTERNS.subchartName]: `must contain a letter or a digit, and no '{', '}', '$' ${SUBSTITUTED} or ','`,
  [STAGE_PARAMETER_PATTERNS.secretName]:
    "must be a Secret's name: a DNS-1123 subdomain (lower case, digits, '-', '.')",
};

function toProblem(error: ErrorObject): Problem {
  const path = toFieldPath(error.instancePath);
  const join = (field: string) => (path ? `${path}.${field}` : field);
  const shown = (v: unknown) => JSON.stringify(v);
  switch (error.keyword) {
    case 'required':
      return { path: join(String(error.params.missingProperty)), message: 'is required' };
    case 'additionalProperties':
      return { path: join(String(error.params.additionalProperty)), message: 'is not a known field' };
    case 'type':
      return { path, message: `must be ${article(String(error.params.type))}` };
    case 'pattern':
      return { path, message: PATTERN_MESSAGES[String(error.params.pattern)] ?? (error.message as string) };
    case 'enum':
      return {
        path,
        message: `must be one of ${(error.params.allowedValues as unknown[]).map(shown).join(', ')}`,
      };
    default:
      return { path, message: error.message ?? error.keyword };
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** `/spec/applications/0/name` → `spec.applications[0].name` */
export function toFieldPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part), '');
}

// ---- semantics (CEL rules, and what neither schema nor CEL can express) ----

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((d) => typeof d === 'string') : []);
const dagNodes = (v: unknown): DagNode[] =>
  (Array.isArray(v) ? v : []).map((n) => ({
    name: isObject(n) && typeof n.name === 'string' ? n.name : '',
    dependencies: isObject(n) ? strings(n.dependencies) : [],
  }));

/**
 * The parts of a possibly malformed group that the semantic checks read, well-typed, so that a
 * cycle is reported even when a schema error sits elsewhere. Positions are kept for the paths.
 */
function semanticView(value: unknown): ApplicationGroup | undefined {
  if (!isObject(value) || !isObject(value.spec) || !Array.isArray(value.spec.applications)) return undefined;
  const metadata = isObject(value.metadata) ? value.metadata : {};
  const applications = value.spec.applications.map((raw, i) => {
    const spec = isObject(raw) && isObject(raw.spec) ? raw.spec : {};
    const chart = isObject(spec.chart) ? spec.chart : {};
    const secret = isObject(chart.authSecretRef) ? chart.authSecretRef : undefined;
    return {
      ...(dagNodes([raw])[0] as DagNode),
      spec: {
        chart: {
          url: '',
          name: '',
          // Absent or not a string: the schema reports a wrong type; here only absence matters.
          version: chart.version === undefined ? undefined : String(chart.version),
          authSecretRef:
            secret && typeof secret.namespace === 'string'
              ? { name: '', namespace: secret.namespace }
              : undefined,
        },
        subcharts: dagNodes(spec.subcharts),
        workflow: (Array.isArray(spec.workflow) ? spec.workflow : []).map((e) => ({
          name: '',
          type: isObject(e) && typeof e.type === 'string' ? (e.type as 'helmrelease') : undefined,
        })),
      },
      position: i,
    };
  });
  return {
    apiVersion: APPLICATION_GROUP_API_VERSION,
    kind: APPLICATION_GROUP_KIND,
    metadata: { namespace: typeof metadata.namespace === 'string' ? metadata.namespace : undefined },
    spec: { applications },
  };
}

function checkSemantics(group: ApplicationGroup): Problem[] {
  const problems: Problem[] = [];
  const apps = group.spec.applications;
  problems.push(...checkDag(apps, 'spec.applications', 'application'));
  apps.forEach((app, i) => {
    const at = `spec.applications[${i}]`;
    const subcharts = app.spec.subcharts ?? [];
    problems.push(...checkDag(subcharts, `${at}.spec.subcharts`, 'subchart'));
    const version = app.spec.chart.version;
    if (subcharts.length > 0 && !version) {
      problems.push({
        path: `${at}.spec.chart.version`,
        message:
          'is required with subcharts: they are staged per version of the parent chart, and a new version is what has them fetched and upgraded again',
      });
    } else if (subcharts.length > 0 && version && !/[{}$]/.test(version) && !isExactVersion(version)) {
      // ({, } and $ are refused by the schema already.)
      problems.push({
        path: `${at}.spec.chart.version`,
        message: `"${version}" is a range; with subcharts it must be one version, as they are staged per version of the parent chart`,
      });
    }
    const secret = app.spec.chart.authSecretRef;
    const groupNamespace = group.metadata.namespace;
    if (secret?.namespace && groupNamespace && secret.namespace !== groupNamespace) {
      problems.push({
        path: `${at}.spec.chart.authSecretRef.namespace`,
        message: `the Secret must be in the group's namespace "${groupNamespace}" (Flux reads it from there), not "${secret.namespace}"`,
      });
    }
    (app.spec.workflow ?? []).forEach((executor, j) => {
      if (executor.type !== undefined && executor.type !== 'helmrelease') {
        problems.push({
          path: `${at}.spec.workflow[${j}].type`,
          message: `executor type "${executor.type}" is not supported; only "helmrelease" is`,
        });
      }
    });
  });
  problems.push(...checkReleaseNames(group));
  return problems;
}

function checkDag(nodes: readonly DagNode[], path: string, what: string): Problem[] {
  const problems: Problem[] = [];
  const seen = new Map<string, number>();
  const byLabel = new Map<string, number>();
  nodes.forEach((node, i) => {
    if (node.name === '') return; // missing or not a string: the schema check reports it
    const at = `${path}[${i}]`;
    const first = seen.get(node.name);
    if (first !== undefined) {
      problems.push({
        path: `${at}.name`,
        message: `duplicate ${what} name "${node.name}" (also ${path}[${first}])`,
      });
    } else {
      seen.set(node.name, i);
    }
    if (!canBecomeDnsLabel(node.name)) {
      // the schema's pattern reports it
    } else if (first === undefined) {
      const label = toDnsLabel(node.name);
      const clash = byLabel.get(label);
      if (clash !== undefined) {
        problems.push({
          path: `${at}.name`,
          message: `"${node.name}" and ${path}[${clash}] become the same name "${label}"`,
        });
      }
      byLabel.set(label, i);
    }
  });
  nodes.forEach((node, i) => {
    (node.dependencies ?? []).forEach((dep, j) => {
      const at = `${path}[${i}].dependencies[${j}]`;
      if (dep === node.name) problems.push({ path: at, message: `${what} "${node.name}" depends on itself` });
      else if (!seen.has(dep)) problems.push({ path: at, message: `unknown ${what} "${dep}"` });
    });
  });
  for (const cycle of findCycles(nodes.filter((n) => n.name !== ''))) {
    if (cycle.length <= 2) continue; // a self-dependency, reported above
    problems.push({ path, message: `dependency cycle: ${cycle.join(' → ')}` });
  }
  return problems;
}

/** Every HelmRelease name is unique in the group's namespace, also after sanitising. */
function checkReleaseNames(group: ApplicationGroup): Problem[] {
  const owners = new Map<string, string>();
  const problems: Problem[] = [];
  group.spec.applications.forEach((app, i) => {
    if (app.name === '' || !canBecomeDnsLabel(app.name)) return;
    const releases: Array<[string, string]> = [[releaseName(app.name), `application "${app.name}"`]];
    for (const sub of app.spec.subcharts ?? []) {
      if (canBecomeDnsLabel(sub.name)) {
        releases.push([
          releaseName(app.name, sub.name),
          `subchart "${sub.name}" of application "${app.name}"`,
        ]);
      }
    }
    for (const [name, owner] of releases) {
      const other = owners.get(name);
      if (other !== undefined && other !== owner) {
        problems.push({
          path: `spec.applications[${i}]`,
          message: `HelmRelease name "${name}" of ${owner} is also the name of ${other}'s HelmRelease`,
        });
      }
      owners.set(name, owner);
    }
  });
  return problems;
}
