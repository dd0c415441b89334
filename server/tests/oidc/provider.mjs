// A real OpenID provider for Ripen's integration tests: panva's oidc-provider on loopback,
// with one confidential client (PKCE required), and test accounts picked by the
// authorization request's login_hint. No login page: each interaction is finished at once
// for the hinted account, with consent to what was asked.
//
// Some accounts make the provider misbehave, so the tests can show Ripen refuses each
// answer: their id token is signed again, with the provider's own key, after one claim is
// changed (audience, issuer, nonce, expiry), or with a key the provider never published.
//
// Environment: OIDC_PORT (required), OIDC_REDIRECT (the client's redirect URI).
import Provider from 'oidc-provider';
import { SignJWT, decodeJwt, exportJWK, generateKeyPair, importJWK } from 'jose';

const port = Number(process.env.OIDC_PORT);
const issuer = `http://127.0.0.1:${port}`;
const redirect = process.env.OIDC_REDIRECT;

const person = (sub, email, verified) => ({ sub, email, email_verified: verified, name: sub });
const accounts = {
  alice: person('alice', 'alice@example.test', true),
  bob: person('bob', 'bob@example.test', true),
  // Claims Alice's address without having confirmed it.
  mallory: person('mallory', 'alice@example.test', false),
  'wrong-aud': person('wrong-aud', 'aud@example.test', true),
  'wrong-iss': person('wrong-iss', 'iss@example.test', true),
  'wrong-nonce': person('wrong-nonce', 'nonce@example.test', true),
  expired: person('expired', 'expired@example.test', true),
  'bad-signature': person('bad-signature', 'sig@example.test', true),
};

const kid = 'test-key-1';
const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const jwk = { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
const signingKey = await importJWK(jwk, 'RS256');
const { privateKey: strangerKey } = await generateKeyPair('RS256');

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'ripen',
    client_secret: 'ripen-test-secret',
    redirect_uris: [redirect],
    response_types: ['code'],
    grant_types: ['authorization_code'],
  }],
  jwks: { keys: [jwk] },
  pkce: { required: () => true },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  findAccount: (ctx, id) => accounts[id] && { accountId: id, claims: () => accounts[id] },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  cookies: { keys: ['test-only-cookie-key'] },
});

// Id tokens of the misbehaving accounts, changed and signed again.
const tamper = {
  'wrong-aud': (c) => ({ ...c, aud: 'someone-else' }),
  'wrong-iss': (c) => ({ ...c, iss: 'http://127.0.0.1:1' }),
  'wrong-nonce': (c) => ({ ...c, nonce: 'not-the-one-sent' }),
  expired: (c) => ({ ...c, iat: c.iat - 7200, exp: c.iat - 3600 }),
  'bad-signature': (c) => c,
};

provider.use(async (ctx, next) => {
  const m = ctx.path.match(/^\/interaction\/([^/]+)$/);
  if (m) {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    const hint = details.params.login_hint;
    const accountId = accounts[hint] ? hint : 'alice';
    const grant = new provider.Grant({ accountId, clientId: details.params.client_id });
    grant.addOIDCScope(details.params.scope);
    const grantId = await grant.save();
    ctx.respond = false;
    await provider.interactionFinished(ctx.req, ctx.res,
      { login: { accountId }, consent: { grantId } }, { mergeWithLastSubmission: false });
    return;
  }
  await next();
  if (ctx.path === '/token' && ctx.body && typeof ctx.body === 'object' && ctx.body.id_token) {
    const claims = decodeJwt(ctx.body.id_token);
    const change = tamper[claims.sub];
    if (change) {
      const key = claims.sub === 'bad-signature' ? strangerKey : signingKey;
      ctx.body = {
        ...ctx.body,
        id_token: await new SignJWT(change(claims))
          .setProtectedHeader({ alg: 'RS256', kid })
          .sign(key),
      };
    }
  }
});

provider.listen(port, '127.0.0.1', () => console.log(`ready ${issuer}`));
