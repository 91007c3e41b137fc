import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type JWK, jwtVerify, SignJWT, type JWTPayload } from 'jose';

/**
 * The local stand-in for Cognito: an ES256 key pair kept in the data dir signs
 * tokens (`npm run token`) and the local hub verifies them as API Gateway's JWT
 * authorizer does: signature (kid, alg), issuer, audience, then the times: `exp`
 * must be present and after now, `nbf` and `iat` (when present) not after now.
 */
export const LOCAL_ISSUER = 'urn:council-hub:local';
export const LOCAL_AUDIENCE = 'council-hub-local';
const ALG = 'ES256';
const KEY_FILE = 'jwt-signing-key.json';
/** How far `iat` may be ahead of the hub's clock (an issuer's clock a little fast), in seconds; `exp` and `nbf` get none. */
export const CLOCK_SKEW_SECONDS = 30;

export interface LocalKeys {
  sign(claims: { sub: string; council?: string; groups: string[] }, expiresIn?: string): Promise<string>;
  /**
   * Signs exactly `payload` with the local key (no claims added, none checked):
   * for tests that need tokens `npm run token` never makes (no exp, a future iat...).
   */
  signPayload(payload: JWTPayload): Promise<string>;
  verify(token: string): Promise<JWTPayload>;
}

/** What jwtVerify leaves to the caller: a token issued in the future is refused, as API Gateway does. */
export function checkIssuedAt(payload: JWTPayload, nowSeconds = Math.floor(Date.now() / 1000)): void {
  if (payload.iat !== undefined && payload.iat > nowSeconds + CLOCK_SKEW_SECONDS) {
    throw new Error('"iat" claim timestamp check failed (the token is issued in the future)');
  }
}

export async function loadOrCreateKeys(dataDir: string): Promise<LocalKeys> {
  const file = join(dataDir, KEY_FILE);
  let privateJwk: JWK;
  try {
    privateJwk = JSON.parse(await readFile(file, 'utf8')) as JWK;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const { privateKey } = await generateKeyPair(ALG, { extractable: true });
    privateJwk = { ...(await exportJWK(privateKey)), alg: ALG, kid: `local-${Date.now()}` };
    await mkdir(dataDir, { recursive: true });
    await writeFile(file, JSON.stringify(privateJwk), { mode: 0o600, flag: 'wx' }).catch(async (e: NodeJS.ErrnoException) => {
      // Another process created it first: use theirs so both agree on the key.
      if (e.code !== 'EEXIST') throw e;
      privateJwk = JSON.parse(await readFile(file, 'utf8')) as JWK;
    });
  }
  const { d: _private, ...publicJwk } = privateJwk;
  const privateKey = await importJWK(privateJwk, ALG);
  const publicKey = await importJWK(publicJwk, ALG);
  return {
    sign: ({ sub, council, groups }, expiresIn = '12h') =>
      new SignJWT({
        token_use: 'id',
        'cognito:groups': groups,
        ...(council ? { 'custom:council': council } : {}),
      })
        .setProtectedHeader({ alg: ALG, kid: privateJwk.kid })
        .setSubject(sub)
        .setIssuer(LOCAL_ISSUER)
        .setAudience(LOCAL_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(expiresIn)
        .sign(privateKey),
    signPayload: (payload) => new SignJWT(payload).setProtectedHeader({ alg: ALG, kid: privateJwk.kid }).sign(privateKey),
    verify: async (token) => {
      const { payload } = await jwtVerify(token, publicKey, {
        issuer: LOCAL_ISSUER,
        audience: LOCAL_AUDIENCE,
        algorithms: [ALG],
        // A token that never expires is refused, not trusted forever.
        requiredClaims: ['exp'],
      });
      // jose checks nbf and exp strictly (no tolerance); iat is checked here, with the skew.
      checkIssuedAt(payload);
      return payload;
    },
  };
}

/**
 * API Gateway's JWT authorizer passes claims to the Lambda as strings, arrays
 * flattened to "[a b]". Doing the same locally keeps the handlers honest.
 */
export function claimsAsApiGatewayPassesThem(payload: JWTPayload): Record<string, string | number | boolean> {
  return Object.fromEntries(
    Object.entries(payload).map(([k, v]) => [
      k,
      Array.isArray(v) ? `[${v.join(' ')}]` : typeof v === 'object' && v !== null ? JSON.stringify(v) : (v as string | number | boolean),
    ]),
  );
}
