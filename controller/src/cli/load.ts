import { readFile } from 'node:fs/promises';
import type { ApplicationGroup } from '../../../lib/api/application-group.ts';
import { InvalidInputError, type Problem } from '../../../lib/errors.ts';
import { parseYamlDocuments } from '../../../lib/yaml.ts';
import { validateApplicationGroup } from '../expand/validate.ts';

/** What `-` becomes before yargs sees it (yargs reads a lone `-` as an empty flag). */
export const STDIN = '\u0000stdin';

export function withStdinMarker(argv: readonly string[]): string[] {
  return argv.map((arg) => (arg === '-' ? STDIN : arg));
}

/** Reads a file, or standard input for `-`. */
export async function readInput(path: string): Promise<string> {
  if (path !== STDIN && path !== '-') return readFile(path, 'utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Every ApplicationGroup in a (multi-document) YAML text, validated. Throws one InvalidInputError
 * listing every problem of every document, each path prefixed with `<source>#<document>`.
 */
export function parseApplicationGroups(text: string, source: string): ApplicationGroup[] {
  const { documents, problems } = parseYamlDocuments(text, source);
  const groups: ApplicationGroup[] = [];
  for (const { index, value } of documents) {
    const result = validateApplicationGroup(value);
    if (result.ok) {
      groups.push(result.group);
      continue;
    }
    const name = (value as { metadata?: { name?: unknown } })?.metadata?.name;
    const where = `${source}#${index + 1}${typeof name === 'string' ? ` (${name})` : ''}`;
    problems.push(
      ...result.problems.map(
        (p): Problem => ({ path: p.path ? `${where} ${p.path}` : where, message: p.message }),
      ),
    );
  }
  if (problems.length === 0 && groups.length === 0)
    problems.push({ path: source, message: 'holds no ApplicationGroup' });
  if (problems.length > 0) throw new InvalidInputError(source === '-' ? 'standard input' : source, problems);
  return groups;
}

export async function loadApplicationGroups(path: string): Promise<ApplicationGroup[]> {
  return parseApplicationGroups(await readInput(path), path === STDIN ? '-' : path);
}
