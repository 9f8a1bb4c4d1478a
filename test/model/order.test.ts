/** One text order for everything the generator emits: code units, never the locale. */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareText } from '../../platform/model/order.js';
import { REPO_ROOT } from '../helpers/site.js';

const SOURCE_DIRS = ['platform', 'layers', 'policies', 'test', 'bench'];
const HOME = join('platform', 'model', 'order.ts');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sources(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

describe('compareText', () => {
  it('orders by UTF-16 code unit: upper case before lower case, "-" before letters and digits', () => {
    expect(['b', 'a-b', 'B', 'a', 'a1', 'é', 'Z'].sort(compareText)).toEqual(['B', 'Z', 'a', 'a-b', 'a1', 'b', 'é']);
    expect(compareText('x', 'x')).toBe(0);
  });

  it('is the only string comparator: no localeCompare, no re-implementation elsewhere', () => {
    const offenders: string[] = [];
    for (const dir of SOURCE_DIRS) {
      for (const file of sources(join(REPO_ROOT, dir))) {
        const path = relative(REPO_ROOT, file);
        if (path === HOME || path === join('test', 'model', 'order.test.ts')) continue;
        readFileSync(file, 'utf8')
          .split('\n')
          .forEach((line, i) => {
            if (/localeCompare|Intl\.Collator|\?\s*-1\s*:\s*\S+\s*>\s*\S+\s*\?\s*1\s*:\s*0/.test(line)) offenders.push(`${path}:${i + 1}`);
          });
      }
    }
    expect(offenders).toEqual([]);
  });
});
