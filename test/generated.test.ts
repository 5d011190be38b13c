import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generatedFiles } from '../scripts/generated-files.ts';

const root = join(import.meta.dirname, '..');

describe('generated files', () => {
  it.each([...generatedFiles(root)])('%s matches its source (run npm run generate)', (path, content) => {
    expect(readFileSync(join(root, path), 'utf8')).toBe(content);
  });
});
