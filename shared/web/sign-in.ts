/**
 * Signing in and out.
 * - Deployed: the user pool's managed login, authorization code flow with PKCE
 *   (openid-client). The verifier, state and nonce wait in a short-lived HttpOnly
 *   cookie; the callback exchanges the code, and the ID token it gets back becomes
 *   the session once it passes the same verification as every later request.
 * - Locally: the local hub hands this module a signer for its local key, in-process
 *   (`provideLocalSigner`, called by infra/local/server.ts). A deployed function has
 *   no such signer, so local sign-in cannot be switched on there by configuration.
 */
import * as oidc from 'openid-client';
import { webConfig } from './config';
import { clearCookie, LOGIN_COOKIE, SESSION_COOKIE, setCookie } from './session';

export interface LocalSignInClaims {
  sub: string;
  council?: string;
  groups: string[];
}
export type LocalSigner = (claims: LocalSignInClaims) => Promise<string>;

const LOCAL_SIGNER = Symbol.for('council-hub.web.local-signer');
type WithSigner = typeof globalThis & { [LOCAL_SIGNER]?: LocalSigner };

/** The local hub's key, for its sign-in page only. */
export function provideLocalSigner(signer: LocalSigner): void {
  (globalThis as WithSigner)[LOCAL_SIGNER] = signer;
}

export function localSigner(): LocalSigner | undefined {
  return webConfig().signIn === 'local' ? (globalThis as WithSigner)[LOCAL_SIGNER] : undefined;
}

/** The session cookie for a verified token, expiring with it. */
export const sessionCookie = (token: string, expiresAtMs: number) => setCookie(SESSION_COOKIE, token, (expiresAtMs - Date.now()) / 1000);

/** Only a path on this site: `/x`, never `//host` or `/\host`. */
export function safeReturnTo(value: string | undefined | null): string {
  return value && /^\/(?![/\\])[\w\-./?=&%~+]*$/.test(value) && value.length <= 500 ? value : '/';
}

let oidcConfig: oidc.Configuration | undefined;

/** The user pool's endpoints, from its settings (no discovery round trip at cold start). */
function cognitoClient(): oidc.Configuration {
  const config = webConfig();
  if (config.signIn !== 'cognito') throw new Error('Managed login is the deployed sign-in');
  oidcConfig ??= new oidc.Configuration(
    {
      issuer: config.issuer,
      authorization_endpoint: `${config.loginDomain}/oauth2/authorize`,
      token_endpoint: `${config.loginDomain}/oauth2/token`,
      jwks_uri: `${config.issuer}/.well-known/jwks.json`,
    },
    config.clientId,
    undefined,
    // A public client: no secret to keep, PKCE instead.
    oidc.None(),
  );
  return oidcConfig;
}

const LOGIN_SECONDS = 600;

/** Starts the code flow: where to send the browser, and the cookie that remembers the flow. */
export async function startManagedLogin(baseUrl: string, returnTo: string): Promise<{ location: string; cookie: string }> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(cognitoClient(), {
    redirect_uri: `${baseUrl}/sign-in/callback`,
    scope: 'openid email profile',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  const flow = Buffer.from(JSON.stringify({ verifier, state, nonce, returnTo })).toString('base64url');
  return { location: url.href, cookie: setCookie(LOGIN_COOKIE, flow, LOGIN_SECONDS) };
}

/** Finishes the code flow: the ID token (not yet trusted: the caller verifies it) and where to go. */
export async function finishManagedLogin(currentUrl: URL, flowCookie: string | undefined): Promise<{ idToken: string; returnTo: string }> {
  if (!flowCookie) throw new Error('No sign-in is in progress in this browser.');
  const flow = JSON.parse(Buffer.from(flowCookie, 'base64url').toString('utf8')) as { verifier: string; state: string; nonce: string; returnTo: string };
  const tokens = await oidc.authorizationCodeGrant(cognitoClient(), currentUrl, {
    pkceCodeVerifier: flow.verifier,
    expectedState: flow.state,
    expectedNonce: flow.nonce,
    idTokenExpected: true,
  });
  if (!tokens.id_token) throw new Error('The sign-in returned no ID token.');
  return { idToken: tokens.id_token, returnTo: safeReturnTo(flow.returnTo) };
}

export const clearLoginCookie = () => clearCookie(LOGIN_COOKIE);

/** Where the browser goes after the session cookie is cleared: the managed login's logout, then back here. */
export function signOutLocation(baseUrl: string): string {
  const config = webConfig();
  if (config.signIn !== 'cognito') return '/sign-out';
  const url = new URL(`${config.loginDomain}/logout`);
  url.searchParams.set('client_id', config.clientId);
  url.searchParams.set('logout_uri', `${baseUrl}/sign-out`);
  return url.href;
}
