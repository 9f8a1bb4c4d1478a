/** In-cluster addresses of Services: what consumers of another component's Service are given. */

/** A Service by name, namespace and port. */
export interface ServiceAddress {
  readonly name: string;
  readonly namespace: string;
  readonly port: number;
}

/** `<scheme>://<name>.<namespace>.svc:<port>`. */
export function serviceUrl(svc: ServiceAddress, scheme: 'http' | 'https' = 'http'): string {
  return `${scheme}://${svc.name}.${svc.namespace}.svc:${svc.port}`;
}
