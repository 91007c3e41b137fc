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

  it('finishes the flow: trades the code for tokens with the PKCE verifier, checks state and nonce, keeps the ID token', async () => {
    Object.assign(process.env, cognito);
    const { startManagedLogin, finishManagedLogin } = await import('../../shared/web/sign-in');
    const base = 'https://abc.execute-api.eu-west-2.amazonaws.com';
    const { location, cookie } = await startManagedLogin(base, '/challenges/X/money');
    const flowCookie = cookie.split(';')[0]!.split('=')[1]!;
    const flow = JSON.parse(Buffer.from(flowCookie, 'base64url').toString('utf8'));
    const { privateKey } = await generateKeyPair('RS256');
    const idToken = await new SignJWT({ token_use: 'id', nonce: flow.nonce, 'custom:council': 'E08000025' })
      .setProtectedHeader({ alg: 'RS256', kid: 'cognito-1' })
      .setSubject('finance-1')
      .setIssuer(cognito.WEB_ISSUER)
      .setAudience(cognito.WEB_CLIENT_ID)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(privateKey);
    // The managed login's token endpoint, as Cognito answers it (the only network call the flow makes).
    const requests: Array<{ url: string; body: URLSearchParams }> = [];
    vi.stubGlobal('fetch', async (url: URL | string, init: RequestInit) => {
      requests.push({ url: String(url), body: new URLSearchParams(String(init.body)) });
      return new Response(JSON.stringify({ id_token: idToken, access_token: 'at', refresh_token: 'rt', token_type: 'Bearer', expires_in: 3600 }), {
        status: 200,
        headers: { 'content-type': 'application/json' },
      });
    });
    try {
      const callback = new URL(`${base}/sign-in/callback?code=the-code&state=${flow.state}`);
      await expect(finishManagedLogin(callback, flowCookie)).resolves.toEqual({ idToken, returnTo: '/challenges/X/money' });
      expect(requests).toHaveLength(1);
      expect(requests[0]!.url).toBe(`${cognito.WEB_LOGIN_DOMAIN}/oauth2/token`);
      expect(Object.fromEntries(requests[0]!.body)).toMatchObject({
        grant_type: 'authorization_code',
        code: 'the-code',
        code_verifier: flow.verifier,
        client_id: 'client123',
        redirect_uri: `${base}/sign-in/callback`,
      });
      expect(location).toContain(`state=${flow.state}`);
      // Another browser's state, or no flow at all, is refused before any token is asked for.
      await expect(finishManagedLogin(new URL(`${base}/sign-in/callback?code=the-code&state=forged`), flowCookie)).rejects.toThrow();
      await expect(finishManagedLogin(callback, undefined)).rejects.toThrow(/No sign-in is in progress/);
      expect(requests).toHaveLength(1);
    } finally {
      vi.unstubAllGlobals();
    }
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
