/**
 * The page session: the identity provider's ID token in an HttpOnly, Secure,
 * SameSite=Lax cookie, verified on every request with aws-jwt-verify (signature
 * against the issuer's JWKS, issuer, audience, expiry), then turned into a Caller
 * by the same claim checks the API uses (shared/auth.ts callerFromEvent), from the
 * claims as API Gateway's JWT authorizer would hand them over. Deployed the issuer
 * is the Cognito user pool; locally it is the local key, whose public half the
 * local hub passes in WEB_LOCAL_JWKS. Same code path, different issuer.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
// The generic verifier (the Cognito one adds nothing here: token_use is checked below).
import { JwtVerifier } from 'aws-jwt-verify/jwt-verifier';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';
import { type Caller, callerFromEvent, claimsAsApiGatewayPassesThem } from '../auth';
import { webConfig } from './config';

export const SESSION_COOKIE = '__Host-hub-session';
/** Before a session exists (the local sign-in form): a random value the form must repeat. */
export const PRE_SESSION_COOKIE = '__Host-hub-presession';
/** The authorization-code flow in progress: PKCE verifier, state, nonce, where to go back to. */
export const LOGIN_COOKIE = '__Host-hub-login';

/** How far `iat` may be ahead of the hub's clock, as the local hub allows for bearer tokens. */
const CLOCK_SKEW_SECONDS = 30;

export function readCookies(event: Pick<APIGatewayProxyEventV2, 'cookies' | 'headers'>): Map<string, string> {
  // API Gateway (payload 2.0) moves Cookie headers into `cookies`; accept the header too.
  const pairs = event.cookies ?? (event.headers?.cookie ? event.headers.cookie.split(/;\s*/) : []);
  const jar = new Map<string, string>();
  for (const pair of pairs.flatMap((p) => p.split(/;\s*/))) {
    const eq = pair.indexOf('=');
    if (eq > 0) jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
  }
  return jar;
}

/** A `__Host-` cookie: Secure, Path=/, no Domain, HttpOnly, SameSite=Lax. */
export function setCookie(name: string, value: string, maxAgeSeconds: number): string {
  return `${name}=${value}; Path=/; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}; HttpOnly; Secure; SameSite=Lax`;
}
export const clearCookie = (name: string) => `${name}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax`;

export const randomToken = (bytes = 32) => randomBytes(bytes).toString('base64url');

let verifier: ReturnType<typeof makeVerifier> | undefined;

function makeVerifier() {
  const config = webConfig();
  const v = JwtVerifier.create({
    issuer: config.issuer,
    audience: config.clientId,
    // Locally the JWKS is cached below and never fetched; the URI only names it.
    jwksUri: config.signIn === 'cognito' ? `${config.issuer}/.well-known/jwks.json` : 'https://local.invalid/jwks.json',
    customJwtCheck: ({ payload }) => {
      if (payload.token_use !== 'id') throw new Error('not an ID token');
      if (typeof payload.exp !== 'number') throw new Error('the token has no expiry');
      if (typeof payload.iat === 'number' && payload.iat > Date.now() / 1000 + CLOCK_SKEW_SECONDS) throw new Error('the token is issued in the future');
    },
  });
  if (config.signIn === 'local') v.cacheJwks(config.jwks as never);
  return v;
}

export async function verifyIdToken(token: string): Promise<JwtPayload> {
  verifier ??= makeVerifier();
  return verifier.verify(token);
}

export interface Session {
  token: string;
  caller: Caller;
  /** The flattened claims, for the API operations the pages dispatch to. */
  claims: Record<string, string | number | boolean>;
  expiresAt: number;
  /** The CSRF token every form of this session carries. */
  csrf: string;
}

/** The CSRF token of a session: an HMAC keyed by the session's own (HttpOnly, unguessable) token. */
export const csrfTokenOf = (sessionToken: string) => createHmac('sha256', sessionToken).update('council-hub csrf v1').digest('base64url');

export function sameToken(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The session from a verified ID token, or undefined (signed out, expired, or claims the hub cannot use). */
export async function sessionFromToken(token: string | undefined): Promise<Session | undefined> {
  if (!token) return undefined;
  let payload: JwtPayload;
  try {
    payload = await verifyIdToken(token);
  } catch {
    return undefined;
  }
  const claims = claimsAsApiGatewayPassesThem(payload as Record<string, unknown>);
  let caller: Caller;
  try {
    caller = callerFromEvent({ requestContext: { authorizer: { jwt: { claims, scopes: [] } } } } as never);
  } catch {
    return undefined;
  }
  return { token, caller, claims, expiresAt: Number(payload.exp) * 1000, csrf: csrfTokenOf(token) };
}

export const sessionOf = (event: Pick<APIGatewayProxyEventV2, 'cookies' | 'headers'>) => sessionFromToken(readCookies(event).get(SESSION_COOKIE));
