/**
 * Webhook subscriptions (api.md, events.md): what an officer sends, what the API shows.
 * The secret appears in exactly two responses (creation and rotation) and nowhere else.
 */
import * as z from './zod';
import { described, withMeta } from './zod';
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
  .check(
    z.maxLength(2048),
    z.refine((url) => !UNSAFE_URL_CHARACTER.test(url), 'Must not contain whitespace or control characters (CR, LF, tab, NUL...)'),
    z.url({ protocol: /^https?$/, error: 'Must be an absolute http or https URL' }),
  );

export const subscriptionInput = withMeta(
  z.strictObject({
    url: described(webhookUrl, 'Where to POST events: https, on a public address (the local hub also allows http on 127.0.0.1)'),
    eventTypes: described(
      z.optional(z.array(z.enum(EVENT_TYPES)).check(z.minLength(1), z.refine(unique, 'eventTypes names each type once'))),
      'Only these event types; every type when absent',
    ),
    challengeIds: described(
      z.optional(z.array(ulid).check(z.minLength(1), z.maxLength(100), z.refine(unique, 'challengeIds names each challenge once'))),
      "Only these challenges' events; every challenge when absent",
    ),
  }),
  { id: 'SubscriptionCreate' },
);
export type SubscriptionInput = z.infer<typeof subscriptionInput>;

export const subscriptionIdParams = z.object({ id: ulid });

export const subscriptionStatus = z.enum(['active', 'disabled']);

/** A running replay, as the subscription shows it. */
const replayProgress = withMeta(
  z.object({
    replayId: ulid,
    events: described(z.int().check(z.gte(1)), 'Deliveries it queued'),
    finished: described(z.int().check(z.gte(0)), 'Of those, how many have ended: delivered, failed, or dropped'),
    startedAt: isoDateTime,
    expiresAt: described(isoDateTime, 'It ends by then even if some deliveries never report back: the retry schedule, with margin'),
  }),
  { id: 'ReplayProgress' },
);

export const subscription = withMeta(
  z.object({
    id: ulid,
    council: described(gssCode, 'The council it belongs to: it receives only events whose audience includes this council'),
    url: described(withMeta(z.string(), { format: 'uri' }), 'Where events are POSTed'),
    eventTypes: z.optional(z.array(z.enum(EVENT_TYPES))),
    challengeIds: z.optional(z.array(ulid)),
    status: subscriptionStatus,
    disabledReason: described(
      z.optional(z.string()),
      'Why it stopped: the endpoint answered 410 Gone, or a delivery failed every retry; POST .../enable turns it back on',
    ),
    disabledAt: z.optional(isoDateTime),
    missedSince: described(
      z.optional(isoDateTime),
      'While disabled: the occurredAt of the earliest event it did not receive; enable with replayMissed re-sends from there',
    ),
    replay: described(z.optional(replayProgress), 'The replay in flight, if one is (at most one per subscription)'),
    secretHint: described(z.string(), 'The last characters of the current secret, to tell secrets apart'),
    previousSecretExpiresAt: described(
      z.optional(isoDateTime),
      'After a rotation: until then, deliveries are also signed with the previous secret',
    ),
    createdBy: z.object({ council: gssCode, sub: z.string() }),
    createdAt: isoDateTime,
    updatedAt: isoDateTime,
  }),
  { id: 'Subscription' },
);
export type SubscriptionView = z.infer<typeof subscription>;

export const subscriptionWithSecret = withMeta(
  z.extend(subscription, {
    secret: described(
      z.string(),
      '`whsec_` + base64 of 32 random bytes: verify signatures with it. Shown only in this response; store it now',
    ),
  }),
  { id: 'SubscriptionWithSecret' },
);

export const deliveryOutcome = z.enum(['delivered', 'retrying', 'failed', 'disabled']);
export type DeliveryOutcome = z.infer<typeof deliveryOutcome>;

export const deliveryAttempt = withMeta(
  z.object({
    eventId: ulid,
    eventType: z.string(),
    challengeId: ulid,
    seq: z.int(),
    attempt: z.int().check(z.gte(1)),
    at: described(isoDateTime, 'When the attempt started'),
    statusCode: described(z.optional(z.int()), "The endpoint's HTTP status, when it answered"),
    error: described(z.optional(z.string()), 'Why there was no answer (timeout, refused address, DNS, ...)'),
    durationMs: z.int(),
    outcome: described(
      deliveryOutcome,
      'delivered (2xx); retrying (another attempt at nextAttemptAt); failed (retries exhausted: dead-lettered); disabled (410 Gone)',
    ),
    nextAttemptAt: z.optional(isoDateTime),
    replayId: described(z.optional(ulid), 'Set on the attempts of a replayed delivery: the replay that re-sent it'),
  }),
  { id: 'DeliveryAttempt' },
);
export type DeliveryAttempt = z.infer<typeof deliveryAttempt>;

export const deliveriesQuery = pageQuery;

/**
 * POST /v1/subscriptions/{id}/replay: which of its events to send again (all optional;
 * the subscription's own filters and the audience rule always apply). shared/fanout/replay-rules.ts.
 */
export const replayInput = withMeta(
  z
    .strictObject({
      challengeId: described(z.optional(ulid), "Only this challenge's events; every challenge of the council when absent"),
      fromSeq: described(z.optional(z.int().check(z.gte(1))), 'From this seq of `challengeId` on (needs challengeId)'),
      since: described(z.optional(isoDateTime), 'Events that occurred at or after this time'),
      until: described(z.optional(isoDateTime), 'Events that occurred before this time'),
    })
    .check(
      z.refine((r) => r.fromSeq === undefined || r.challengeId !== undefined, { path: ['fromSeq'], message: 'fromSeq is a seq within one challenge: give challengeId too' }),
      z.refine((r) => r.since === undefined || r.until === undefined || Date.parse(r.since) < Date.parse(r.until), { path: ['until'], message: 'until must be after since' }),
    ),
  { id: 'ReplayRequest' },
);

export const replayAccepted = withMeta(
  z.object({
    replayId: described(ulid, "Marks the replay's attempts in the delivery log"),
    events: described(z.int().check(z.gte(0)), 'Deliveries queued, oldest first (0: nothing matched, nothing runs)'),
    truncated: described(
      z.boolean(),
      'More matched than one replay sends (1000 events, 100 challenges): replay again from resumeSince, or per challenge',
    ),
    resumeSince: described(z.optional(isoDateTime), 'When truncated by the event limit: the `since` that carries on'),
  }),
  { id: 'ReplayAccepted' },
);

/** POST /v1/subscriptions/{id}/enable: the body is optional. */
export const enableInput = withMeta(
  z.strictObject({
    replayMissed: described(z._default(z.boolean(), false), 'Also replay what it missed while disabled (from missedSince until now)'),
  }),
  { id: 'EnableSubscription' },
);

export const subscriptionEnabled = withMeta(
  z.extend(subscription, { replayed: described(z.optional(replayAccepted), 'With replayMissed: the replay of what it missed') }),
  { id: 'EnabledSubscription' },
);
