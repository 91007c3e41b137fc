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

/** A running replay, as the subscription shows it. */
const replayProgress = z
  .object({
    replayId: ulid,
    events: z.int().min(1).describe('Deliveries it queued'),
    finished: z.int().min(0).describe('Of those, how many have ended: delivered, failed, or dropped'),
    startedAt: isoDateTime,
    expiresAt: isoDateTime.describe('It ends by then even if some deliveries never report back: the retry schedule, with margin'),
  })
  .meta({ id: 'ReplayProgress' });

export const subscription = z
  .object({
    id: ulid,
    council: gssCode.describe('The council it belongs to: it receives only events whose audience includes this council'),
    url: z.string().meta({ format: 'uri' }).describe('Where events are POSTed'),
    eventTypes: z.array(z.enum(EVENT_TYPES)).optional(),
    challengeIds: z.array(ulid).optional(),
    status: subscriptionStatus,
    disabledReason: z
      .string()
      .optional()
      .describe('Why it stopped: the endpoint answered 410 Gone, or a delivery failed every retry; POST .../enable turns it back on'),
    disabledAt: isoDateTime.optional(),
    missedSince: isoDateTime
      .optional()
      .describe('While disabled: the occurredAt of the earliest event it did not receive; enable with replayMissed re-sends from there'),
    replay: replayProgress.optional().describe('The replay in flight, if one is (at most one per subscription)'),
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
    replayId: ulid.optional().describe('Set on the attempts of a replayed delivery: the replay that re-sent it'),
  })
  .meta({ id: 'DeliveryAttempt' });
export type DeliveryAttempt = z.infer<typeof deliveryAttempt>;

export const deliveriesQuery = pageQuery;

/**
 * POST /v1/subscriptions/{id}/replay: which of its events to send again (all optional;
 * the subscription's own filters and the audience rule always apply). shared/fanout/replay-rules.ts.
 */
export const replayInput = z
  .strictObject({
    challengeId: ulid.optional().describe("Only this challenge's events; every challenge of the council when absent"),
    fromSeq: z.int().min(1).optional().describe('From this seq of `challengeId` on (needs challengeId)'),
    since: isoDateTime.optional().describe('Events that occurred at or after this time'),
    until: isoDateTime.optional().describe('Events that occurred before this time'),
  })
  .refine((r) => r.fromSeq === undefined || r.challengeId !== undefined, { path: ['fromSeq'], message: 'fromSeq is a seq within one challenge: give challengeId too' })
  .refine((r) => r.since === undefined || r.until === undefined || Date.parse(r.since) < Date.parse(r.until), { path: ['until'], message: 'until must be after since' })
  .meta({ id: 'ReplayRequest' });

export const replayAccepted = z
  .object({
    replayId: ulid.describe("Marks the replay's attempts in the delivery log"),
    events: z.int().min(0).describe('Deliveries queued, oldest first (0: nothing matched, nothing runs)'),
    truncated: z
      .boolean()
      .describe('More matched than one replay sends (1000 events, 100 challenges): replay again from resumeSince, or per challenge'),
    resumeSince: isoDateTime.optional().describe('When truncated by the event limit: the `since` that carries on'),
  })
  .meta({ id: 'ReplayAccepted' });

/** POST /v1/subscriptions/{id}/enable: the body is optional. */
export const enableInput = z
  .strictObject({
    replayMissed: z.boolean().default(false).describe('Also replay what it missed while disabled (from missedSince until now)'),
  })
  .meta({ id: 'EnableSubscription' });

export const subscriptionEnabled = subscription
  .extend({ replayed: replayAccepted.optional().describe('With replayMissed: the replay of what it missed') })
  .meta({ id: 'EnabledSubscription' });
