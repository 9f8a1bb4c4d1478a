/**
 * The one app file template both `edge-idp app new` and the Backstage Software Template render:
 * the subset of the scaffolder's nunjucks it keeps to is rendered as nunjucks renders it (the
 * expected texts below are nunjucks 3's output for the same template and values), and anything
 * outside the subset is refused rather than rendered differently. Also the repository URL the
 * template's pull request step is given.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { backstageRepoUrl } from '../../layers/03-apps/backstage.js';
import { APP_FILE_TEMPLATE, APP_TEMPLATE_KEYS, renderAppFile, renderTemplateText } from '../../platform/tenants/app-template.js';

describe('the app file template', () => {
  it('renders as nunjucks does: variables printed (nothing for undefined and null), a false block and its tag lines gone', () => {
    const text = 'a: ${{ values.a }}\n{%- if values.b %}\nb: ${{ values.b }}\n{%- endif %}\n{%- if values.c %}\nc: true\n{%- endif %}\nd: ${{ values.d }}\n';
    // nunjucks 3 (autoescape off, variableStart '${{'): the same strings.
    expect(renderTemplateText(text, { a: 1, b: 'x', c: true, d: 'y' })).toBe('a: 1\nb: x\nc: true\nd: y\n');
    expect(renderTemplateText(text, { a: 'z', b: 0, c: false })).toBe('a: z\nd: \n');
    expect(renderTemplateText(text, { a: null, b: '', c: undefined, d: 7 })).toBe('a: \nd: 7\n');
  });

  it('refuses what is outside the subset: filters, nesting, other tags, whitespace {%- would strip', () => {
    expect(() => renderTemplateText('a: ${{ values.a | upper }}\n', { a: 'x' })).toThrow(/outside the supported subset/);
    expect(() => renderTemplateText('a: {{ values.a }}\n', { a: 'x' })).toThrow(/outside the supported subset/);
    expect(() => renderTemplateText('x\n{%- for v in values.a %}\n{%- endfor %}\n', {})).toThrow(/outside the supported subset/);
    expect(() => renderTemplateText('x\n{%- if values.a %}\n{%- if values.b %}\ny\n{%- endif %}\n{%- endif %}\n', {})).toThrow(/nested if/);
    expect(() => renderTemplateText('x\n{%- if values.a %}\ny\n', {})).toThrow(/never closed/);
    expect(() => renderTemplateText('x\n{%- endif %}\n', {})).toThrow(/endif without if/);
    expect(() => renderTemplateText('x \n{%- if values.a %}\ny\n{%- endif %}\n', {})).toThrow(/ends in no whitespace/);
    expect(() => renderTemplateText('x\n\n{%- if values.a %}\ny\n{%- endif %}\n', {})).toThrow(/ends in no whitespace/);
    expect(() => renderTemplateText('{%- if values.a %}\ny\n{%- endif %}\n', {})).toThrow(/ends in no whitespace/);
  });

  it('reads only the keys it declares, and every combination of them reads back as the values given', () => {
    const used = new Set([...APP_FILE_TEMPLATE.matchAll(/values\.(\w+)/g)].map((m) => m[1]));
    expect([...used].sort()).toEqual([...APP_TEMPLATE_KEYS].sort());
    const full = { team: 't', app: 'a', image: 'r.example.com/a:1.0.0', port: 8080, replicas: 3, cpu: '1', memory: '1000', schedule: '*/5 * * * *', route: true };
    expect(parse(renderAppFile(full))).toEqual({ name: 'a', image: full.image, port: 8080, replicas: 3, cpu: '1', memory: '1000', schedule: full.schedule, route: true });
    expect(parse(renderAppFile({ team: 't', app: 'a', image: 'a:1' }))).toEqual({ name: 'a', image: 'a:1' });
  });
});

describe('backstageRepoUrl', () => {
  it('reads host, owner and repository from HTTPS and SSH URLs, and nothing from other shapes', () => {
    for (const url of ['https://github.com/acme/fleet.git', 'https://github.com/acme/fleet', 'https://user@github.com/acme/fleet.git', 'ssh://git@github.com/acme/fleet.git', 'git@github.com:acme/fleet.git']) {
      expect(backstageRepoUrl(url), url).toBe('github.com?owner=acme&repo=fleet');
    }
    expect(backstageRepoUrl('https://ghe.example.com:8443/ops/edge/')).toBe('ghe.example.com?owner=ops&repo=edge');
    for (const url of ['https://gitlab.example.com/group/sub/repo.git', 'file:///srv/git/fleet.git', 'fleet']) expect(backstageRepoUrl(url), url).toBeUndefined();
  });
});
