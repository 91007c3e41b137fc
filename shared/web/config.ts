/**
 * The web function's settings, read and checked once (on first use, so modules
 * that only render can be imported without them). None of them is a secret: the
 * app client is public (PKCE, no client secret) and the session is the identity
 * provider's signed ID token, so nothing here needs SSM or Secrets Manager.
 *
 * - `cognito` (deployed): WEB_ISSUER is the user pool's issuer URL, WEB_CLIENT_ID the
 *   app client, WEB_LOGIN_DOMAIN the managed login domain (https://...amazoncognito.com).
 * - `local` (only the local hub sets it, infra/local/server.ts): WEB_ISSUER and
 *   WEB_CLIENT_ID are the local issuer and audience, WEB_LOCAL_JWKS the local
 *   public key as a JWKS. Signing in locally also needs the signer the local hub
 *   hands over in-process (./local-sign-in.ts): no setting can turn it on in Lambda.
 */
import * as z from '../schemas/zod';

const settings = z.discriminatedUnion('WEB_SIGN_IN', [
  z.object({
    WEB_SIGN_IN: z.literal('cognito'),
    WEB_ISSUER: z.url({ protocol: /^https$/ }),
    WEB_CLIENT_ID: z.string().check(z.minLength(1)),
    WEB_LOGIN_DOMAIN: z.url({ protocol: /^https$/ }),
  }),
  z.object({
    WEB_SIGN_IN: z.literal('local'),
    WEB_ISSUER: z.string().check(z.minLength(1)),
    WEB_CLIENT_ID: z.string().check(z.minLength(1)),
    WEB_LOCAL_JWKS: z.string().check(z.minLength(1)),
  }),
]);

export type WebConfig =
  | { signIn: 'cognito'; issuer: string; clientId: string; loginDomain: string}
  | { signIn: 'local'; issuer: string; clientId: string; jwks: { keys: Array<Record<string, unknown>> }};

let cached: WebConfig | undefined;

export function webConfig(env: NodeJS.ProcessEnv = process.env): WebConfig {
  if (cached && env === process.env) return cached;
  const parsed = settings.safeParse({ ...env, WEB_SIGN_IN: env.WEB_SIGN_IN || 'cognito' });
  if (!parsed.success) {
    throw new Error(`Invalid web configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const c = parsed.data;
  const config: WebConfig =
    c.WEB_SIGN_IN === 'cognito'
      ? { signIn: 'cognito', issuer: c.WEB_ISSUER, clientId: c.WEB_CLIENT_ID, loginDomain: c.WEB_LOGIN_DOMAIN.replace(/\/$/, '') }
      : { signIn: 'local', issuer: c.WEB_ISSUER, clientId: c.WEB_CLIENT_ID, jwks: JSON.parse(c.WEB_LOCAL_JWKS) as { keys: Array<Record<string, unknown>> } };
  if (env === process.env) cached = config;
  return config;
}
