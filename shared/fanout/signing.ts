/**
 * Webhook secrets and signatures, per the Standard Webhooks spec, with the
 * `standardwebhooks` package doing the HMAC (no hand-rolled crypto).
 */
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { EventEnvelope } from '../schemas/events';

export const SECRET_PREFIX = 'whsec_';

/** While a secret is rotated, the old one keeps verifying (and is still signed with) this long. */
export const ROTATION_OVERLAP_MS = 24 * 60 * 60 * 1000;

export const USER_AGENT = 'council-hub-webhooks/1.0 (+https://www.standardwebhooks.com/)';

/** `whsec_` + base64 of 32 random bytes: what standardwebhooks' `Webhook` expects. */
export const newSecret = (): string => `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;

/** Enough of a secret to tell two apart in a list, never enough to matter. */
export const secretHint = (secret: string): string => `${SECRET_PREFIX}…${secret.slice(-4)}`;

/** The POST body: the same event shape as everywhere else, under `data`. */
export function webhookBody(event: EventEnvelope): string {
  return JSON.stringify({ type: event.type, timestamp: event.occurredAt, data: event });
}

/**
 * The `webhook-signature` value: one `v1,<base64>` per secret, space-separated, as
 * the spec allows, so a receiver verifying with either the old or the new secret
 * accepts the message during a rotation.
 */
export function signatureHeader(secrets: readonly string[], messageId: string, timestamp: Date, body: string): string {
  if (secrets.length === 0) throw new Error('signatureHeader: no secret to sign with');
  return secrets.map((secret) => new Webhook(secret).sign(messageId, timestamp, body)).join(' ');
}

export interface SignedRequest {
  body: string;
  headers: Record<string, string>;
}

/**
 * The signed request for one delivery attempt. `webhook-id` is the event id, the same
 * on every retry, so receivers deduplicate on it; `webhook-timestamp` is this
 * attempt's time, so a retry days later still passes the receiver's freshness check.
 */
export function signedWebhook(event: EventEnvelope, secrets: readonly string[], at: Date): SignedRequest {
  const body = webhookBody(event);
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      'webhook-id': event.id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': signatureHeader(secrets, event.id, at, body),
    },
  };
}

/** The secrets to sign with now: the current one, plus the previous one while its overlap lasts. */
export function signingSecrets(
  subscription: { secret: string; previousSecret?: string | undefined; previousSecretExpiresAt?: string | undefined },
  now: number,
): string[] {
  const previousValid =
    subscription.previousSecret !== undefined &&
    subscription.previousSecretExpiresAt !== undefined &&
    Date.parse(subscription.previousSecretExpiresAt) > now;
  return previousValid ? [subscription.secret, subscription.previousSecret!] : [subscription.secret];
}
