import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type JWK, jwtVerify, SignJWT, type JWTPayload } from 'jose';

/**
 * The local stand-in for Cognito: an ES256 key pair kept in the data dir signs
 * tokens (`npm run token`) and the local hub verifies them as API Gateway's JWT
 * authorizer does (signature, issuer, audience, expiry).
 */
export const LOCAL_ISSUER = 'urn:council-hub:local';
export const LOCAL_AUDIENCE = 'council-hub-local';
const ALG = 'ES256';
const KEY_FILE = 'jwt-signing-key.json';

export interface LocalKeys {
  sign(claims: { sub: string; council?: string; groups: string[] }, expiresIn?: string): Promise<string>;
  verify(token: string): Promise<JWTPayload>;
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
    verify: async (token) =>
      (await jwtVerify(token, publicKey, { issuer: LOCAL_ISSUER, audience: LOCAL_AUDIENCE, algorithms: [ALG] })).payload,
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
