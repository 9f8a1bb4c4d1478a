/**
 * Everything in synth/ reads the same to Kubernetes' Go tools (YAML 1.1: helm, kubectl, ArgoCD)
 * as to the generator (YAML 1.2). Unquoted, Loki's `from: 2024-04-01` was a timestamp to helm,
 * and a label value `yes` a boolean to the Kyverno CLI.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { toYaml } from '../../platform/synth/files.js';
import { REPO_ROOT } from '../helpers/site.js';

const read = (text: string, version: '1.1' | '1.2') =>
  parseAllDocuments(text, { version, logLevel: 'silent' }).map((d) => JSON.stringify(d.toJS()));

describe('generated YAML under YAML 1.1', () => {
  const files = readdirSync(join(REPO_ROOT, 'synth'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.yaml'));

  it.each(files)('%s reads the same in YAML 1.1 and 1.2', (f) => {
    const text = readFileSync(join(REPO_ROOT, 'synth', f), 'utf8');
    expect(read(text, '1.1')).toEqual(read(text, '1.2'));
  });

  it('quotes the strings a YAML 1.1 reader would take for something else', () => {
    const text = toYaml({ a: 'yes', b: 'no', c: 'on', d: '2024-04-01', e: '1_000', f: '0400', g: 'plain', h: 'true' });
    expect(read(text, '1.1')).toEqual(read(text, '1.2'));
    expect(text).toContain('g: plain');
  });
});
