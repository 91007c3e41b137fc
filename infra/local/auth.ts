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

/** Verified tokens kept (by token string, until their `exp`) so a repeated bearer token is not verified again. */
export const VERIFIED_TOKEN_CACHE_SIZE = 1000;

export interface VerifiedTokenCache {
  /** Tokens held now. */
  readonly size: number;
  /** At most this many tokens are held (the oldest goes first); 0 turns the cache off. */
  maxSize: number;
  clear(): void;
}

export interface LocalKeys {
  sign(claims: { sub: string; council?: string; groups: string[] }, expiresIn?: string): Promise<string>;
  /**
   * Signs exactly `payload` with the local key (no claims added, none checked):
   * for tests that need tokens `npm run token` never makes (no exp, a future iat...).
   */
  signPayload(payload: JWTPayload): Promise<string>;
  /**
   * Verifies as the JWT authorizer does. A token verified before is answered from
   * `tokenCache` while its `exp` is still ahead: nothing else about it can change
   * (signature, issuer, audience, nbf and iat were checked once, and the key is fixed).
   */
  verify(token: string): Promise<JWTPayload>;
  readonly tokenCache: VerifiedTokenCache;
  /** The public half of the key (kid, alg), for verifiers that take a JWKS (the pages' session check). */
  publicJwk: JWK;
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
  const tokenCache = verifiedTokenCache(VERIFIED_TOKEN_CACHE_SIZE);
  return {
    tokenCache,
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
    publicJwk,
    signPayload: (payload) => new SignJWT(payload).setProtectedHeader({ alg: ALG, kid: privateJwk.kid }).sign(privateKey),
    verify: async (token) => {
      const cached = tokenCache.get(token);
      if (cached) return cached;
      const { payload } = await jwtVerify(token, publicKey, {
        issuer: LOCAL_ISSUER,
        audience: LOCAL_AUDIENCE,
        algorithms: [ALG],
        // A token that never expires is refused, not trusted forever.
        requiredClaims: ['exp'],
      });
      // jose checks nbf and exp strictly (no tolerance); iat is checked here, with the skew.
      checkIssuedAt(payload);
      return tokenCache.put(token, payload);
    },
  };
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * A bounded map from token string to its verified payload. A hit is valid while
 * `exp` is after now, exactly where jose would start refusing it (`exp <= now`).
 * Payloads are frozen: every caller gets the same object and none may change it.
 */
function verifiedTokenCache(maxSize: number): VerifiedTokenCache & {
  get(token: string): JWTPayload | undefined;
  put(token: string, payload: JWTPayload): JWTPayload;
} {
  const entries = new Map<string, JWTPayload & { exp: number }>();
  return {
    maxSize,
    get size() {
      return entries.size;
    },
    clear: () => entries.clear(),
    get(token) {
      const hit = this.maxSize > 0 ? entries.get(token) : undefined;
      if (!hit) return undefined;
      if (hit.exp > nowSeconds()) return hit;
      entries.delete(token);
      return undefined;
    },
    put(token, payload) {
      const frozen = deepFreeze(payload);
      if (this.maxSize <= 0 || typeof frozen.exp !== 'number') return frozen;
      // Oldest first (Map keeps insertion order); expired ones are dropped when met.
      while (entries.size >= this.maxSize) entries.delete(entries.keys().next().value!);
      entries.set(token, frozen as JWTPayload & { exp: number });
      return frozen;
    },
  };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** How API Gateway hands claims to a Lambda (one definition, shared/auth.ts). */
export { claimsAsApiGatewayPassesThem } from '../../shared/auth';
