import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
  vi.resetModules();
});

describe('deployed sign-in: the managed login, code flow with PKCE', () => {
  const cognito = {
    WEB_SIGN_IN: 'cognito',
    WEB_ISSUER: 'https://cognito-idp.eu-west-2.amazonaws.com/eu-west-2_abc123',
    WEB_CLIENT_ID: 'client123',
    WEB_LOGIN_DOMAIN: 'https://council-hub-1234.auth.eu-west-2.amazoncognito.com',
  };

  it('sends the browser to the managed login with an S256 challenge, state and nonce kept in an HttpOnly cookie', async () => {
    Object.assign(process.env, cognito);
    const { startManagedLogin, signOutLocation, localSigner } = await import('../../shared/web/sign-in');
    const { location, cookie } = await startManagedLogin('https://abc.execute-api.eu-west-2.amazonaws.com', '/challenges/X/money');
    const url = new URL(location);
    expect(`${url.origin}${url.pathname}`).toBe(`${cognito.WEB_LOGIN_DOMAIN}/oauth2/authorize`);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: 'client123',
      redirect_uri: 'https://abc.execute-api.eu-west-2.amazonaws.com/sign-in/callback',
      scope: 'openid email profile',
      code_challenge_method: 'S256',
    });
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(cookie).toMatch(/^__Host-hub-login=[A-Za-z0-9_-]+; Path=\/; Max-Age=600; HttpOnly; Secure; SameSite=Lax$/);
    const flow = JSON.parse(Buffer.from(cookie.split(';')[0]!.split('=')[1]!, 'base64url').toString('utf8'));
    expect(flow).toMatchObject({ state: url.searchParams.get('state'), nonce: url.searchParams.get('nonce'), returnTo: '/challenges/X/money' });
    // The verifier stays in the cookie; only its hash travels.
    expect(location).not.toContain(flow.verifier);
    expect(signOutLocation('https://abc.example')).toBe(`${cognito.WEB_LOGIN_DOMAIN}/logout?client_id=client123&logout_uri=https%3A%2F%2Fabc.example%2Fsign-out`);
    // No local signer in a deployed function, whatever a process might hold.
    expect(localSigner()).toBeUndefined();
  });

  it('refuses a configuration that is not https', async () => {
    Object.assign(process.env, cognito, { WEB_LOGIN_DOMAIN: 'http://example.com' });
    const { webConfig } = await import('../../shared/web/config');
    expect(() => webConfig()).toThrow(/WEB_LOGIN_DOMAIN/);
  });
});

describe('the session: an ID token verified with aws-jwt-verify, then the API’s own claim checks', () => {
  async function localMode() {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), alg: 'ES256', kid: 'k1' };
    Object.assign(process.env, { WEB_SIGN_IN: 'local', WEB_ISSUER: 'urn:council-hub:local', WEB_CLIENT_ID: 'council-hub-local', WEB_LOCAL_JWKS: JSON.stringify({ keys: [jwk] }) });
    const sign = (claims: Record<string, unknown>, opts: { aud?: string; exp?: string | number } = {}) =>
      new SignJWT({ token_use: 'id', ...claims })
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setSubject('finance-1')
        .setIssuer('urn:council-hub:local')
        .setAudience(opts.aud ?? 'council-hub-local')
        .setIssuedAt()
        .setExpirationTime(opts.exp ?? '1h')
        .sign(privateKey);
    return { sign, ...(await import('../../shared/web/session')) };
  }

  it('makes the caller from a valid token, with the CSRF token tied to it', async () => {
    const { sign, sessionFromToken, csrfTokenOf } = await localMode();
    const token = await sign({ 'custom:council': 'E08000025', 'cognito:groups': ['finance', 'officer'] });
    const session = await sessionFromToken(token);
    expect(session?.caller).toEqual({ sub: 'finance-1', council: 'E08000025', groups: new Set(['finance', 'officer']) });
    expect(session?.claims['cognito:groups']).toBe('[finance officer]');
    expect(session?.csrf).toBe(csrfTokenOf(token));
  });

  it('has no session for an expired token, another audience, an access token, or a council claim the API would refuse', async () => {
    const { sign, sessionFromToken } = await localMode();
    const council = { 'custom:council': 'E08000025', 'cognito:groups': ['finance'] };
    expect(await sessionFromToken(await sign(council, { exp: Math.floor(Date.now() / 1000) - 10 }))).toBeUndefined();
    expect(await sessionFromToken(await sign(council, { aud: 'someone-else' }))).toBeUndefined();
    expect(await sessionFromToken(await sign({ ...council, token_use: 'access' }))).toBeUndefined();
    expect(await sessionFromToken(await sign({ 'custom:council': 'e08000025' }))).toBeUndefined();
    expect(await sessionFromToken('not.a.token')).toBeUndefined();
    expect(await sessionFromToken(undefined)).toBeUndefined();
  });
});
