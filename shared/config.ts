/**
 * The functions' configuration, read and checked once at cold start: a missing
 * or malformed setting fails the init, not the first request.
 */
import * as z from 'zod';

const settings = z.object({
  TABLE_NAME: z.string().min(1, 'TABLE_NAME is not set'),
  /** DynamoDB Local's endpoint; unset when deployed (the SDK uses the Lambda's region). */
  DYNAMODB_ENDPOINT: z.url().optional(),
  /**
   * `public-https` (deployed): webhooks go only to https URLs on public addresses.
   * `allow-loopback` (the local hub sets it): http and 127.0.0.1 are allowed too.
   */
  WEBHOOK_URL_POLICY: z.enum(['public-https', 'allow-loopback']).default('public-https'),
});

function readConfig(env: NodeJS.ProcessEnv) {
  const parsed = settings.safeParse({ ...env, DYNAMODB_ENDPOINT: env.DYNAMODB_ENDPOINT || undefined });
  if (!parsed.success) throw new Error(`Invalid configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const c = parsed.data;
  return { tableName: c.TABLE_NAME, dynamodbEndpoint: c.DYNAMODB_ENDPOINT, allowLoopbackWebhooks: c.WEBHOOK_URL_POLICY === 'allow-loopback' };
}

export const config = readConfig(process.env);
