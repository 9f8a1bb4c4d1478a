/** How a ConfigError prints values: cut to a readable size, control characters escaped, few lines. */
import { describe, expect, it } from 'vitest';
import { clip, ConfigError, MAX_SHOWN_CHARS, printable, shownText } from '../../platform/config/errors.js';

describe('ConfigError message formatting', () => {
  it('clip cuts long text and says how much is left out', () => {
    expect(clip('abc')).toBe('abc');
    expect(clip('x'.repeat(250))).toBe(`${'x'.repeat(200)}… (50 more characters)`);
  });

  it('a long quoted value is cut inside its quotes; the rest of the message stays', () => {
    const text = shownText(`'${'a b '.repeat(50_000)}' is not valid: expected a DNS domain`);
    expect(text.length).toBeLessThan(MAX_SHOWN_CHARS + 100);
    expect(text).toMatch(/^'(a b ){50}… \(199800 more characters\)' is not valid: expected a DNS domain$/);
  });

  it('a long unquoted run (a key, a number) is cut too', () => {
    expect(shownText(`unknown key '${'k'.repeat(10)}'; ${'z'.repeat(1000)} end`)).toBe(`unknown key 'kkkkkkkkkk'; ${'z'.repeat(200)}… (800 more characters) end`);
  });

  it('control characters, line breaks and bidi overrides are escaped', () => {
    expect(printable('a\nb\tc\u001b[2J\u202Ed')).toBe('a\\nb\\tc\\u001B[2J\\u202Ed');
  });

  it('one problem is one line; many problems are listed up to a budget, the rest counted', () => {
    expect(new ConfigError('p.yaml', [{ path: 'site.name', message: 'bad' }]).message).toBe('p.yaml: site.name: bad');
    expect(new ConfigError('p.yaml', [{ path: '(root)', message: 'the file is empty' }]).message).toBe('p.yaml: the file is empty');
    const many = Array.from({ length: 5000 }, (_, i) => ({ path: `nodes[${i}]`, message: `'${'v'.repeat(500)}' is a string, expected map` }));
    const e = new ConfigError('p.yaml', many);
    expect(e.problems).toHaveLength(5000);
    expect(e.message.split('\n')[0]).toBe('p.yaml: 5000 problems:');
    expect(e.message).toMatch(/\n {2}… and \d+ more problems \(fix these, then run again\)$/);
    expect(e.message.length).toBeLessThan(4096);
  });
});
