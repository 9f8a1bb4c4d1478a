/**
 * How each UI of the site is exposed on the gateway, decided once from phase-1 facts (every
 * component's `ui` and the `uiProxy` a component publishes) and the config (`sso`,
 * `publicUis`). The gateway routes by it, the SSO component builds one proxy per UI it sends
 * through the proxy, and the synth summary, `synth/README.md` and bootstrap print it.
 *
 * The rule: a UI with a login of its own is routed to itself (single sign-on when `sso` is
 * configured and the UI takes OIDC, its local accounts otherwise). A UI without a login is
 * routed to the authenticating proxy when a component runs one (with `sso`), to itself when the
 * config lists it in `publicUis` (flagged public), and otherwise not at all.
 */
import { ConfigError, type ConfigProblem } from '../config/errors.js';
import type { PlatformConfig } from '../config/schema.js';
import { compareText } from './order.js';

/**
 * How a UI signs its users in on its own, which decides how the gateway may route it
 * ({@link uiExposures}):
 * - `oidc`: its own login, which takes single sign-on through OIDC when the site configures
 *   `sso` (local accounts otherwise);
 * - `local`: its own login with local accounts only;
 * - `none`: no login: whoever reaches it uses it. Routed only behind the SSO proxy, or when the
 *   config lists it in `publicUis`.
 */
export type UiLogin = 'oidc' | 'local' | 'none';

/** A web UI the gateway exposes at `<subdomain>.<domain>`. */
export interface UiEndpoint {
  /** Host label under the site domain, e.g. `argocd`; also the UI's name (`publicUis`). */
  readonly subdomain: string;
  /** Service in the component's namespace. */
  readonly service: string;
  readonly port: number;
  /** How it signs users in on its own. */
  readonly login: UiLogin;
  /**
   * A UI without a login that can change state (Alertmanager's silences, workflows run as the
   * server's account): behind the SSO proxy only the admin groups pass, not the viewers.
   * Default: false.
   */
  readonly adminOnly?: boolean;
}

/**
 * The authenticating proxy a component runs in front of the UIs without a login of their own
 * (one instance per UI, `<servicePrefix><subdomain>` in `namespace`): published in phase 1 so
 * that the gateway routes those UIs to it, and the OIDC provider registers its client.
 */
export interface UiProxyFacts {
  readonly namespace: string;
  readonly servicePrefix: string;
  /** Port of each proxy's Service (what the gateway routes to). */
  readonly port: number;
  /** The proxies' pod group in the component's network facts, and the port they listen on. */
  readonly pods: string;
  readonly podPort: number;
  /** The proxies' one OIDC client: its name and the callback path on each proxied UI's host. */
  readonly client: string;
  readonly callbackPath: string;
}

/** An OIDC client a component signs users in with (see `oidcClients` on its declaration). */
export interface OidcClient {
  /** Its name, which is its client id with the bundled Dex, e.g. `grafana`. */
  readonly name: string;
  /** Where the provider may send the browser back to. */
  readonly redirectUris: readonly string[];
}

/**
 * Every OIDC client of the site with its redirect URIs: the components' own and the proxy's
 * (one callback per UI behind it), sorted by name.
 */
export function oidcClients(
  components: readonly { readonly oidcClients: readonly OidcClient[]; readonly uiProxy: UiProxyFacts | undefined }[],
  exposures: readonly UiExposure[],
): OidcClient[] {
  const proxy = components.find((c) => c.uiProxy)?.uiProxy;
  const proxied = exposures.filter((e) => e.access === 'sso-proxy').map((e) => `${e.url}${proxy?.callbackPath ?? ''}`);
  const all = [...components.flatMap((c) => c.oidcClients), ...(proxy && proxied.length ? [{ name: proxy.client, redirectUris: proxied }] : [])];
  return all.sort((a, b) => compareText(a.name, b.name));
}

/** How a routed UI signs its users in. */
export type UiAccess =
  /** Its own login, through the site's OIDC provider (single sign-on). */
  | 'sso'
  /** Its own login with local accounts (no single sign-on). */
  | 'local-login'
  /** No login of its own: the SSO proxy signs users in before they reach it. */
  | 'sso-proxy'
  /** No login at all, routed because the config says so (`publicUis`). */
  | 'public';

/** What each access means, in words (summary, README). */
export const UI_ACCESS_TEXT: Readonly<Record<UiAccess, string>> = {
  sso: 'single sign-on (its own OIDC login)',
  'local-login': 'its own login (no single sign-on)',
  'sso-proxy': 'single sign-on (oauth2-proxy in front)',
  public: 'PUBLIC: no login (listed in publicUis)',
};

/** A Service in a namespace. */
export interface UiBackend {
  readonly namespace: string;
  readonly service: string;
  readonly port: number;
}

/** One UI and how the gateway exposes it. */
export interface UiExposure {
  /** The UI's name: its subdomain. */
  readonly name: string;
  readonly component: string;
  readonly hostname: string;
  /** `https://<hostname>`. */
  readonly url: string;
  readonly login: UiLogin;
  readonly adminOnly: boolean;
  /** How users sign in; `undefined` when the UI is not routed. */
  readonly access: UiAccess | undefined;
  /** The UI's own Service. */
  readonly upstream: UiBackend;
  /** What the gateway routes the hostname to (the UI itself or its proxy); `undefined` when not routed. */
  readonly backend: UiBackend | undefined;
}

/** What the decision reads: the config and the phase-1 facts of every enabled component. */
export interface UiSite {
  readonly config: Pick<PlatformConfig, 'site' | 'sso' | 'publicUis'>;
  readonly components: readonly {
    readonly componentName: string;
    readonly targetNamespace: string;
    readonly ui: readonly UiEndpoint[];
    readonly uiProxy: UiProxyFacts | undefined;
  }[];
}

/**
 * Every UI of the site with its exposure, sorted by hostname. Throws when two UIs claim one
 * subdomain, and a `ConfigError` (exit 2) naming `publicUis[i]` when a listed name is not a UI
 * without a login of an enabled component (the message lists the valid names).
 */
export function uiExposures(site: UiSite, configFile: string): UiExposure[] {
  const domain = site.config.site.domain;
  const proxies = site.components.filter((c) => c.uiProxy !== undefined);
  if (proxies.length > 1) throw new Error(`two components run the UI proxy: ${proxies.map((c) => c.componentName).join(', ')}`);
  const proxy = proxies[0]?.uiProxy;
  const publicUis = new Set(site.config.publicUis);
  const byName = new Map<string, UiExposure>();
  for (const c of site.components) {
    for (const u of c.ui) {
      const existing = byName.get(u.subdomain);
      if (existing) {
        throw new Error(`'${u.subdomain}.${domain}' is claimed by both ${existing.component} and ${c.componentName}: give one of them another subdomain`);
      }
      const upstream = { namespace: c.targetNamespace, service: u.service, port: u.port };
      let access: UiAccess | undefined;
      let backend: UiBackend | undefined;
      if (u.login !== 'none') {
        access = u.login === 'oidc' && site.config.sso ? 'sso' : 'local-login';
        backend = upstream;
      } else if (publicUis.has(u.subdomain)) {
        access = 'public';
        backend = upstream;
      } else if (proxy) {
        access = 'sso-proxy';
        backend = { namespace: proxy.namespace, service: `${proxy.servicePrefix}${u.subdomain}`, port: proxy.port };
      }
      const hostname = `${u.subdomain}.${domain}`;
      byName.set(u.subdomain, {
        name: u.subdomain,
        component: c.componentName,
        hostname,
        url: `https://${hostname}`,
        login: u.login,
        adminOnly: u.adminOnly ?? false,
        access,
        upstream,
        backend,
      });
    }
  }
  const problems = publicUiProblems(site.config.publicUis, [...byName.values()]);
  if (problems.length) throw new ConfigError(configFile, problems);
  return [...byName.values()].sort((a, b) => compareText(a.hostname, b.hostname));
}

/** `publicUis` entries that name no UI without a login of an enabled component. */
function publicUiProblems(publicUis: readonly string[], uis: readonly UiExposure[]): ConfigProblem[] {
  const valid = uis.filter((u) => u.login === 'none').map((u) => u.name).sort(compareText);
  const validText = valid.length ? valid.join(', ') : 'none (no enabled component has a UI without a login)';
  return publicUis.flatMap((name, i): ConfigProblem[] => {
    const ui = uis.find((u) => u.name === name);
    if (ui?.login === 'none') return [];
    return [
      {
        path: `publicUis[${i}]`,
        message: ui
          ? `'${name}' (${ui.component}) has its own login and is routed anyway; remove it (publicUis lists UIs without a login; valid: ${validText})`
          : `'${name}' is no UI of an enabled component; UIs without a login that publicUis may list: ${validText}`,
      },
    ];
  });
}
