/**
 * The text of a new app file (`tenants/<team>/apps/<app>.yaml`), written once and rendered in two
 * places: `edge-idp app new` renders it here, and Backstage's Software Template ships it as the
 * file its `fetch:template:file` step renders (layers/03-apps/backstage.ts). The scaffolder
 * renders with nunjucks, `${{ … }}` as the variable tags and no autoescape; the text keeps to a
 * subset of that syntax which {@link renderTemplateText} implements exactly: `${{ values.KEY }}`,
 * and `{%- if values.KEY %}` … `{%- endif %}` on lines of their own (not nested). Anything else
 * in the text is refused, so the two renderings cannot drift apart.
 */

/** What a new app file says: the app's name and image, and only the keys given. */
export interface AppFileValues {
  readonly team: string;
  readonly app: string;
  readonly image: string;
  /** Default: not written (required for a served app: the loader says so). */
  readonly port?: number | string;
  /** Default: not routed. */
  readonly route?: boolean;
  /** Default: not written (the loader's default, one pod). */
  readonly replicas?: number | string;
  /** Default: not written (the loader's default). */
  readonly cpu?: string;
  /** Default: not written (the loader's default). */
  readonly memory?: string;
  /** Default: not written (a Deployment). */
  readonly schedule?: string;
}

/** The keys of {@link AppFileValues} the template reads (the Backstage step passes these). */
export const APP_TEMPLATE_KEYS = ['team', 'app', 'image', 'schedule', 'port', 'replicas', 'cpu', 'memory', 'route'] as const satisfies readonly (keyof AppFileValues)[];

const when = (key: keyof AppFileValues, line: string) => [`{%- if values.${key} %}`, line, '{%- endif %}'];

/**
 * The app file template. A trivial app (image, port, route) is five lines: a comment, name,
 * image, port and route. cpu, memory and schedule are quoted: to YAML, `1` is a number and a
 * schedule may start with `*` (an alias).
 */
export const APP_FILE_TEMPLATE: string = [
  '# App ${{ values.app }} of team ${{ values.team }}: every key not set here has a default (README.md "Teams and apps").',
  'name: ${{ values.app }}',
  'image: ${{ values.image }}',
  ...when('schedule', 'schedule: "${{ values.schedule }}"'),
  ...when('port', 'port: ${{ values.port }}'),
  ...when('replicas', 'replicas: ${{ values.replicas }}'),
  ...when('cpu', 'cpu: "${{ values.cpu }}"'),
  ...when('memory', 'memory: "${{ values.memory }}"'),
  ...when('route', 'route: true'),
  '',
].join('\n');

const VARIABLE = /\$\{\{ *values\.([A-Za-z][A-Za-z0-9]*) *\}\}/g;
const IF = /^\{%- *if +values\.([A-Za-z][A-Za-z0-9]*) *%\}$/;
const ENDIF = /^\{%- *endif *%\}$/;
/** Any template syntax left once the supported forms are taken out. */
const OTHER_SYNTAX = /\$\{\{|\{\{|\{%|\{#|\}\}|%\}|#\}/;

/** Nunjucks prints `undefined` and `null` as nothing, everything else as its string. */
function printed(value: unknown): string {
  return value === undefined || value === null ? '' : String(value);
}

/**
 * Renders `text` with `values` as nunjucks does for the subset described in the file comment.
 * `{%-` strips the whitespace before the tag: with each tag on a line of its own, after a line
 * that ends in no whitespace, that is the line break before it, so a tag line vanishes and a false
 * block drops its lines. Throws on syntax outside the subset (a bug in the template text).
 */
export function renderTemplateText(text: string, values: Readonly<Record<string, unknown>>): string {
  const out: string[] = [];
  let open: { key: string; on: boolean } | undefined;
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    const where = `line ${i + 1}`;
    const ifMatch = IF.exec(line);
    const isTag = ifMatch !== null || ENDIF.test(line);
    if (isTag && (i === 0 || /\s$/.test(lines[i - 1]!) || lines[i - 1] === '')) {
      throw new Error(`template ${where}: a tag must follow a line that ends in no whitespace ({%- would strip more than the line break)`);
    }
    if (ifMatch) {
      if (open) throw new Error(`template ${where}: nested if (not in the supported subset)`);
      open = { key: ifMatch[1]!, on: Boolean(values[ifMatch[1]!]) };
      return;
    }
    if (ENDIF.test(line)) {
      if (!open) throw new Error(`template ${where}: endif without if`);
      open = undefined;
      return;
    }
    const rest = line.replace(VARIABLE, '');
    if (OTHER_SYNTAX.test(rest)) throw new Error(`template ${where}: syntax outside the supported subset: ${line}`);
    if (open && !open.on) return;
    out.push(line.replace(VARIABLE, (_, key: string) => printed(values[key])));
  });
  if (open) throw new Error(`template: if values.${open.key} is never closed`);
  return out.join('\n');
}

/** A new app file's text: {@link APP_FILE_TEMPLATE} rendered with `values`. */
export function renderAppFile(values: AppFileValues): string {
  return renderTemplateText(APP_FILE_TEMPLATE, values as unknown as Record<string, unknown>);
}
