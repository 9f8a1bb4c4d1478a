/**
 * Names and in-cluster addresses other components reach layer 01's services at. Written once
 * here; the components that own them set their charts so these are exactly the names they get
 * (tests check the rendered values), and consumers (Grafana, External Secrets, Fluent Bit,
 * the gateway) import them.
 */

export const MONITORING_NAMESPACE = 'monitoring';
export const LOGGING_NAMESPACE = 'logging';
export const VAULT_NAMESPACE = 'vault';
export const CERT_MANAGER_NAMESPACE = 'cert-manager';

/** Self-signed bootstrap issuer: signs only the CA certificate. */
export const SELF_SIGNED_ISSUER = 'edge-idp-selfsigned';
/** The site CA issuer: signs every platform certificate (Vault TLS, the wildcard certificate). */
export const CA_ISSUER = 'edge-idp-ca';

/** Prometheus query endpoint (kube-prometheus-stack with `fullnameOverride`, see its component). */
export const PROMETHEUS_SERVICE = { name: 'prometheus-stack-prometheus', namespace: MONITORING_NAMESPACE, port: 9090 } as const;
export const ALERTMANAGER_SERVICE = { name: 'prometheus-stack-alertmanager', namespace: MONITORING_NAMESPACE, port: 9093 } as const;
/** Loki single binary (gateway disabled): push and query on one service. */
export const LOKI_SERVICE = { name: 'loki', namespace: LOGGING_NAMESPACE, port: 3100 } as const;
/** Vault API (TLS from the site CA). */
export const VAULT_SERVICE = { name: 'vault', namespace: VAULT_NAMESPACE, port: 8200 } as const;

export function serviceUrl(svc: { name: string; namespace: string; port: number }, scheme: 'http' | 'https' = 'http'): string {
  return `${scheme}://${svc.name}.${svc.namespace}.svc:${svc.port}`;
}
