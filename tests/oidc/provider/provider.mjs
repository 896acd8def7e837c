// A real OpenID Connect provider (node-oidc-provider) on 127.0.0.1, for Flagpost's sign-in tests
// and for trying single sign-on locally (`python manage.py sso_demo`).
//
//   node provider.mjs [PORT]      (0 or nothing: a free port)
//
// Prints one JSON line, {"issuer": "http://127.0.0.1:PORT"}, once it is listening.
//
// Sign-in is the library's own development login form: type an email as the login (any
// password). The account's claims follow from it: email = the login, email_verified = true,
// sub = a hash of the email (stable, and not the email). A login written "unverified:EMAIL"
// gives email_verified = false.
//
// Clients (secret "flagpost-test-secret", any http redirect URI on this machine):
//   flagpost             a well-behaved relying party
//   flagpost-resigned    ID tokens unchanged but signed again  } (the control for those below)
//   flagpost-wrong-aud   ID tokens for another audience        } the token endpoint's real answer,
//   flagpost-wrong-iss   ID tokens from another issuer         } with its ID token rewritten and
//   flagpost-wrong-nonce ID tokens for another sign-in attempt  }
//   flagpost-expired     ID tokens that expired an hour ago    } signed again by this provider's
//   flagpost-unsigned    ID tokens with alg "none"             } own key (or, for the last, by a
//   flagpost-foreign-key ID tokens signed by an unpublished key } key it never published)
import { createHash } from 'node:crypto';
import http from 'node:http';

import * as jose from 'jose';
import Provider from 'oidc-provider';

const SECRET = 'flagpost-test-secret';
const TAMPERED = ['resigned', 'wrong-aud', 'wrong-iss', 'wrong-nonce', 'expired', 'unsigned', 'foreign-key'];

function emailOf(login) {
  return login.replace(/^unverified:/, '').trim().toLowerCase();
}

function account(login) {
  const email = emailOf(login);
  return {
    accountId: login,
    async claims() {
      return {
        sub: login, // replaced by the pairwise subject below in what the clients receive
        email,
        email_verified: !login.startsWith('unverified:'),
        name: email.split('@')[0],
      };
    },
  };
}

async function signingKey(kid) {
  const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
  const jwk = await jose.exportJWK(privateKey);
  return { jwk: { ...jwk, kid, alg: 'RS256', use: 'sig' }, privateKey };
}

async function tamper(idToken, mode, key, foreign) {
  const claims = jose.decodeJwt(idToken);
  const now = Math.floor(Date.now() / 1000);
  if (mode === 'wrong-aud') claims.aud = 'someone-else';
  if (mode === 'wrong-iss') claims.iss = 'http://127.0.0.1:9/another-issuer';
  if (mode === 'wrong-nonce') claims.nonce = 'not-the-nonce-sent';
  if (mode === 'expired') Object.assign(claims, { iat: now - 7200, exp: now - 3600 });
  if (mode === 'unsigned') return new jose.UnsecuredJWT(claims).encode();
  const signer = mode === 'foreign-key' ? foreign : key;
  return new jose.SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: key.jwk.kid, typ: 'JWT' })
    .sign(signer.privateKey);
}

const server = http.createServer();
server.listen(Number(process.argv[2] || 0), '127.0.0.1', async () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const key = await signingKey('flagpost-test-key');
  const foreign = await signingKey('flagpost-test-key');
  const clients = ['flagpost', ...TAMPERED.map((mode) => `flagpost-${mode}`)].map((id) => ({
    client_id: id,
    client_secret: SECRET,
    redirect_uris: ['http://127.0.0.1/accounts/sso/callback/'],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
    // As Entra ID does: each application sees its own stable subject, never the email.
    subject_type: 'pairwise',
  }));
  const provider = new Provider(issuer, {
    clients,
    jwks: { keys: [key.jwk] },
    findAccount: (ctx, id) => account(id),
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    pkce: { required: () => true },
    subjectTypes: ['public', 'pairwise'],
    pairwiseIdentifier: async (ctx, accountId) => `sub-${createHash('sha256')
      .update(emailOf(accountId)).digest('hex').slice(0, 20)}`,
    features: { devInteractions: { enabled: true } },
    // A first-party application: no consent screen, as for an app an Entra administrator approved.
    async loadExistingGrant(ctx) {
      const existing = ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (existing) return ctx.oidc.provider.Grant.find(existing);
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope('openid email profile');
      grant.addOIDCClaims(['email', 'email_verified', 'name']);
      await grant.save();
      return grant;
    },
  });
  // The tests' and the demo's web servers listen on ports chosen when they start.
  provider.Client.prototype.redirectUriAllowed = (value) => {
    const url = new URL(value);
    return url.protocol === 'http:' && ['127.0.0.1', 'localhost', 'testserver'].includes(url.hostname)
      && url.pathname === '/accounts/sso/callback/';
  };
  provider.use(async (ctx, next) => {
    await next();
    const mode = ctx.oidc?.client?.clientId?.replace(/^flagpost-/, '');
    if (ctx.oidc?.route === 'token' && ctx.body?.id_token && TAMPERED.includes(mode)) {
      ctx.body = { ...ctx.body, id_token: await tamper(ctx.body.id_token, mode, key, foreign) };
    }
  });
  server.on('request', provider.callback());
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});
