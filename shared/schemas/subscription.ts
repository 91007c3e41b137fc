/**
 * Webhook subscriptions (api.md, events.md): what an officer sends, what the API shows.
 * The secret appears in exactly two responses (creation and rotation) and nowhere else.
 */
import * as z from 'zod';
import { pageQuery } from '../http/paging';
import { gssCode, isoDateTime, ulid } from './common';
import { EVENT_TYPES } from './events';

const unique = <T>(values: readonly T[]) => new Set(values).size === values.length;

export const MAX_SUBSCRIPTIONS_PER_COUNCIL = 25;

/**
 * Control characters (C0, DEL, C1), invisible format characters (bidi overrides,
 * zero-width) and whitespace of any kind. The WHATWG URL parser quietly drops tabs
 * and newlines and trims spaces, so such a URL would parse, yet the hub would store
 * and show text other than what it calls; a CR or LF could also split a header or
 * log line wherever the URL is written out. Refused, never trimmed or cleaned.
 */
const UNSAFE_URL_CHARACTER = /[\p{Cc}\p{Cf}\p{Z}\s]/u;

/**
 * An absolute http(s) URL (`format: uri` in OpenAPI), as typed: nothing trimmed.
 * `.url()` comes after the character check on purpose: z.url() trims the value it
 * passes on, so a check after it would never see leading or trailing whitespace.
 * Where the URL may point is url-safety's job (at creation and at every delivery).
 */
const webhookUrl = z
  .string()
  .max(2048)
  .refine((url) => !UNSAFE_URL_CHARACTER.test(url), 'Must not contain whitespace or control characters (CR, LF, tab, NUL...)')
  .url({ protocol: /^https?$/, error: 'Must be an absolute http or https URL' });

export const subscriptionInput = z
  .strictObject({
    url: webhookUrl.describe('Where to POST events: https, on a public address (the local hub also allows http on 127.0.0.1)'),
    eventTypes: z
      .array(z.enum(EVENT_TYPES))
      .min(1)
      .refine(unique, 'eventTypes names each type once')
      .optional()
      .describe('Only these event types; every type when absent'),
    challengeIds: z
      .array(ulid)
      .min(1)
      .max(100)
      .refine(unique, 'challengeIds names each challenge once')
      .optional()
      .describe("Only these challenges' events; every challenge when absent"),
  })
  .meta({ id: 'SubscriptionCreate' });
export type SubscriptionInput = z.infer<typeof subscriptionInput>;

export const subscriptionIdParams = z.object({ id: ulid });

export const subscriptionStatus = z.enum(['active', 'disabled']);

export const subscription = z
  .object({
    id: ulid,
    council: gssCode.describe('The council it belongs to: it receives only events whose audience includes this council'),
    url: z.string(),
    eventTypes: z.array(z.enum(EVENT_TYPES)).optional(),
    challengeIds: z.array(ulid).optional(),
    status: subscriptionStatus,
    disabledReason: z.string().optional().describe('Why it stopped, e.g. the endpoint answered 410 Gone'),
    disabledAt: isoDateTime.optional(),
    secretHint: z.string().describe('The last characters of the current secret, to tell secrets apart'),
    previousSecretExpiresAt: isoDateTime
      .optional()
      .describe('After a rotation: until then, deliveries are also signed with the previous secret'),
    createdBy: z.object({ council: gssCode, sub: z.string() }),
    createdAt: isoDateTime,
    updatedAt: isoDateTime,
  })
  .meta({ id: 'Subscription' });
export type SubscriptionView = z.infer<typeof subscription>;

export const subscriptionWithSecret = subscription
  .extend({
    secret: z
      .string()
      .describe('`whsec_` + base64 of 32 random bytes: verify signatures with it. Shown only in this response; store it now'),
  })
  .meta({ id: 'SubscriptionWithSecret' });

export const deliveryOutcome = z.enum(['delivered', 'retrying', 'failed', 'disabled']);
export type DeliveryOutcome = z.infer<typeof deliveryOutcome>;

export const deliveryAttempt = z
  .object({
    eventId: ulid,
    eventType: z.string(),
    challengeId: ulid,
    seq: z.int(),
    attempt: z.int().min(1),
    at: isoDateTime.describe('When the attempt started'),
    statusCode: z.int().optional().describe("The endpoint's HTTP status, when it answered"),
    error: z.string().optional().describe('Why there was no answer (timeout, refused address, DNS, ...)'),
    durationMs: z.int(),
    outcome: deliveryOutcome.describe(
      'delivered (2xx); retrying (another attempt at nextAttemptAt); failed (retries exhausted: dead-lettered); disabled (410 Gone)',
    ),
    nextAttemptAt: isoDateTime.optional(),
  })
  .meta({ id: 'DeliveryAttempt' });
export type DeliveryAttempt = z.infer<typeof deliveryAttempt>;

export const deliveriesQuery = pageQuery;
