// The OAuth 2.0 / OpenID Connect authorization server that sigil's integration tests log in to
// (tests/it/oauth.rs). oidc-provider with its development login and consent pages, the device
// flow, client credentials, revocation and rotating refresh tokens, on 127.0.0.1 with a port
// of the kernel's choosing. It prints `PORT <n>` on stdout once it listens, and exits when its
// stdin closes, so it never outlives the test process that started it.
//
// Test-only routes under /__test/ let the tests see what the server saw:
//   GET /__test/stats                 -> {"refresh": <refresh_token grants so far>, ...}
//   GET /__test/active?token=<value>  -> {"active": true|false} for an access token
import http from 'node:http';
import Provider from 'oidc-provider';

const server = http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();
const issuer = `http://127.0.0.1:${port}`;

const native = {
  application_type: 'native',
  token_endpoint_auth_method: 'none',
};

const clients = [
  // Authorization code + PKCE with a loopback redirect: any port is accepted for 127.0.0.1.
  {
    ...native,
    client_id: 'sigil-pkce',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: ['http://127.0.0.1/callback'],
  },
  // The same with access tokens that live a few seconds, for expiry tests.
  {
    ...native,
    client_id: 'sigil-short',
    grant_types: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
    response_types: ['code'],
    redirect_uris: ['http://127.0.0.1/callback'],
  },
  {
    ...native,
    client_id: 'sigil-device',
    grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
    response_types: [],
    redirect_uris: [],
  },
  // A device code that expires almost at once.
  {
    ...native,
    client_id: 'sigil-device-expiring',
    grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
    response_types: [],
    redirect_uris: [],
  },
  {
    client_id: 'sigil-ci',
    client_secret: 'ci-secret-for-tests',
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
  },
];

const stats = { refresh: 0, client_credentials: 0, authorization_code: 0 };

const provider = new Provider(issuer, {
  clients,
  // Opaque tokens and a fixed cookie key: nothing here is secret, it lives for one test run.
  cookies: { keys: ['sigil-test-cookie-key'] },
  features: {
    devInteractions: { enabled: true },
    deviceFlow: { enabled: true },
    clientCredentials: { enabled: true },
    revocation: { enabled: true },
    introspection: { enabled: true },
  },
  scopes: ['openid', 'offline_access', 'profile', 'email', 'api'],
  // A refresh token for every client allowed the grant, with or without offline_access (the
  // code flow drops offline_access without prompt=consent).
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
  rotateRefreshToken: true,
  // Expired means expired: the default tolerance would accept an old token for 15 s more.
  clockTolerance: 0,
  ttl: {
    AccessToken: (ctx, token, client) => (client?.clientId === 'sigil-short' ? 4 : 600),
    ClientCredentials: 600,
    DeviceCode: (ctx, token, client) => (client?.clientId === 'sigil-device-expiring' ? 2 : 600),
    RefreshToken: 24 * 3600,
    Grant: 24 * 3600,
    Interaction: 600,
    Session: 3600,
    IdToken: 600,
  },
});

provider.on('grant.success', (ctx) => {
  const gty = ctx.oidc.params.grant_type;
  if (gty === 'refresh_token') stats.refresh += 1;
  if (gty === 'client_credentials') stats.client_credentials += 1;
  if (gty === 'authorization_code') stats.authorization_code += 1;
});

provider.use(async (ctx, next) => {
  if (ctx.path === '/__test/stats') {
    ctx.body = stats;
    return;
  }
  if (ctx.path === '/__test/active') {
    const value = String(ctx.query.token || '');
    const token = (await provider.AccessToken.find(value))
      || (await provider.ClientCredentials.find(value));
    ctx.body = { active: Boolean(token && !token.isExpired) };
    return;
  }
  await next();
  // oidc-provider leaves `interval` out of the device authorization response, and clients then
  // wait 5 s between polls; ask for 1 s so the tests stay quick.
  if (ctx.path === '/device/auth' && ctx.status === 200 && ctx.body && typeof ctx.body === 'object') {
    ctx.body = { ...ctx.body, interval: 1 };
  }
});

server.on('request', provider.callback());

process.stdin.on('end', () => process.exit(0));
process.stdin.on('close', () => process.exit(0));
process.stdin.resume();
process.on('SIGTERM', () => process.exit(0));

// stdout carries only the port: the test harness may stop reading it, and oidc-provider's
// notices (console.log/info) would then fail with EPIPE and bring the server down.
console.log = console.error;
console.info = console.error;
process.stdout.write(`PORT ${port}\n`);
