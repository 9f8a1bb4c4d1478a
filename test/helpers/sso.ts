/** `sso` sections for tests: the bundled Dex with a GitHub connector, and an external provider. */

export function dexSso(): Record<string, unknown> {
  return {
    dex: {
      connectors: [
        {
          type: 'github',
          id: 'github',
          name: 'GitHub',
          config: { clientID: 'Iv1.0123456789abcdef', orgs: [{ name: 'example' }] },
          secrets: ['clientSecret'],
        },
      ],
    },
    adminGroups: ['example:platform'],
    viewerGroups: ['example:developers'],
  };
}

export function externalSso(): Record<string, unknown> {
  const issuer = 'https://login.example.com/realms/edge';
  return {
    oidc: {
      issuer,
      clientId: 'edge-idp',
      authorizationUrl: `${issuer}/protocol/openid-connect/auth`,
      tokenUrl: `${issuer}/protocol/openid-connect/token`,
      userinfoUrl: `${issuer}/protocol/openid-connect/userinfo`,
    },
    adminGroups: ['platform-admins'],
    viewerGroups: [],
  };
}
