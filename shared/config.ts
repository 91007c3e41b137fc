/**
 * The functions' configuration, read and checked once at cold start: a missing
 * or malformed setting fails the init, not the first request.
 */
import * as z from './schemas/zod';

const settings = z.object({
  TABLE_NAME: z.string().check(z.minLength(1, 'TABLE_NAME is not set')),
  /** DynamoDB Local's endpoint; unset when deployed (the SDK uses the Lambda's region). */
  DYNAMODB_ENDPOINT: z.optional(z.url()),
  /**
   * `public-https` (deployed): webhooks go only to https URLs on public addresses.
   * `allow-loopback` (the local hub sets it): http and 127.0.0.1 are allowed too.
   */
  WEBHOOK_URL_POLICY: z._default(z.enum(['public-https', 'allow-loopback']), 'public-https'),
  /** Open contracting (docs/ocds.md, Settings): unset means the defaults in shared/domain/ocds.ts. */
  OCDS_PREFIX: z.optional(z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]$/, 'letters, digits and inner hyphens'))),
  OCDS_PUBLISHER_NAME: z.optional(z.string().check(z.trim(), z.minLength(1))),
  OCDS_PUBLISHER_URI: z.optional(z.url()),
  OCDS_LICENSE: z.optional(z.url()),
  OCDS_PUBLICATION_POLICY: z.optional(z.url()),
  /** The API's public base URL for OCDS package URIs; unset: taken from the request's host. */
  OCDS_BASE_URL: z.optional(z.url()),
});

const OCDS_SETTINGS = ['OCDS_PREFIX', 'OCDS_PUBLISHER_NAME', 'OCDS_PUBLISHER_URI', 'OCDS_LICENSE', 'OCDS_PUBLICATION_POLICY', 'OCDS_BASE_URL'] as const;

function readConfig(env: NodeJS.ProcessEnv) {
  const blankAsUnset = Object.fromEntries(['DYNAMODB_ENDPOINT', ...OCDS_SETTINGS].map((name) => [name, env[name]?.trim() || undefined]));
  const parsed = settings.safeParse({ ...env, ...blankAsUnset });
  if (!parsed.success) throw new Error(`Invalid configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const c = parsed.data;
  return {
    tableName: c.TABLE_NAME,
    dynamodbEndpoint: c.DYNAMODB_ENDPOINT,
    allowLoopbackWebhooks: c.WEBHOOK_URL_POLICY === 'allow-loopback',
    /** The OCDS_* settings as checked, for ocdsSettingsFromEnv (which fills in the defaults). */
    ocds: Object.fromEntries(OCDS_SETTINGS.map((name) => [name, c[name]])) as Readonly<Record<(typeof OCDS_SETTINGS)[number], string | undefined>>,
  };
}

export const config = readConfig(process.env);
