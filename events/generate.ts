/**
 * Generates the event catalogue from the zod schemas in shared/schemas/events.ts:
 *   events/schemas/<Type>.json   JSON Schema (draft 2020-12) of each event type
 *   events/samples/<Type>.json   a sample event of each type (events/sample-events.ts)
 *   events/asyncapi.json         AsyncAPI 3.0.0: the EventBridge bus, webhooks, the pull feed
 *
 * `npm run events:generate` writes them (and removes stale files); the unit test
 * test/unit/events-catalogue.test.ts fails when the committed files differ from
 * `buildCatalogue()`. Output is deterministic: no clocks, no randomness.
 */
import { createHmac } from 'node:crypto';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as z from '../shared/schemas/zod';
import { EVENT_TYPES, eventSchemas, type EventType, type HubEvent } from '../shared/schemas/events';
import { DELIVERY_TIMEOUT_MS, describeSchedule, JITTER, STANDARD_WEBHOOKS_SCHEDULE_MS } from '../shared/fanout/retry-schedule';
import { USER_AGENT } from '../shared/fanout/signing';
import { ULID_PATTERN } from '../shared/schemas/common';
import { councilAudiencePattern, HUB_EVENT_SOURCE } from './rules';
import { sampleEvents } from './sample-events';

export interface CatalogueFile {
  /** Relative to the repository root, `/`-separated. */
  path: string;
  content: string;
}

export const SCHEMAS_DIR = 'events/schemas';
export const SAMPLES_DIR = 'events/samples';
export const ASYNCAPI_PATH = 'events/asyncapi.json';

/** The repository root (this file lives in `<root>/events/`). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export const EVENT_DESCRIPTIONS: { [T in EventType]: string } = {
  ChallengeCreated: "A council created a challenge and became its lead. `data.challenge` is the challenge as created.",
  ChallengeUpdated: 'The lead changed challenge fields. `data.changes` names them; `data.challenge` is the challenge after the change.',
  ChallengeStageChanged: 'The lead moved the challenge one stage forward, or cancelled it.',
  MemberInvited: "The lead invited a council as a partner or observer. The invited council is in the audience.",
  MemberJoinRequested: 'A council asked to join a public challenge. The requesting council is in the audience.',
  MemberJoined: 'A council became an active member: it accepted an invitation, or the lead accepted its request.',
  MemberDeclined: 'An invitation was declined by the invitee (`via: invitation`), or a request by the lead (`via: request`).',
  MemberWithdrew: 'An active member other than the lead left the consortium.',
  LeadTransferred: 'The lead passed to an active partner; the old lead is now a partner.',
  ShareAgreementProposed:
    "The lead proposed cost and risk shares (basis points, each column summing to 10000). It counts as the lead's approval; `supersedes` is the still-pending version it replaces.",
  ShareAgreementApproved: 'A funding member approved a proposed share agreement.',
  ShareAgreementActivated:
    'Every funding member approved: the agreement is active. `supersedes` is the previously active version, if any.',
  ShareAgreementRejected: 'A funding member rejected a proposed share agreement; it will not become active.',
  PledgeSet: "A funding member's finance set its pledge (ledger entry `entryId`); `previousPence` is the pledge it replaced.",
  CommitmentRecorded: "A funding member's finance committed money (ledger entry `entryId`).",
  ReceiptRecorded: "The lead's finance recorded money received from the member `council` (ledger entry `entryId`).",
  CostRecorded:
    "The lead's finance recorded spend. Within the headroom it is split by cost shares (`costPence`), beyond it by risk shares (`riskPence`); the allocations sum exactly to `amountPence`.",
  CostReversed: 'A cost entry (`reversesId`) was reversed: a negative amount carrying exactly the negated allocations of the original.',
};

const JSON_SCHEMA_2020_12 = 'application/schema+json;version=draft-2020-12';
const SAMPLE_WEBHOOK_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

export const schemaId = (type: EventType): string => `urn:council-hub:event:${type}:v1`;
const schemaFile = (type: EventType): string => `${SCHEMAS_DIR}/${type}.json`;
const sampleFile = (type: EventType): string => `${SAMPLES_DIR}/${type}.json`;
/** Reference from asyncapi.json (in events/) to a per-type schema file. */
const schemaRef = (type: EventType): { $ref: string } => ({ $ref: `./schemas/${type}.json` });
const ref = (pointer: string): { $ref: string } => ({ $ref: pointer });
const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

export function eventJsonSchema(type: EventType): Record<string, unknown> {
  const generated = z.toJSONSchema(eventSchemas[type], { target: 'draft-2020-12', override: integerLiterals });
  const { $schema, ...rest } = generated as Record<string, unknown>;
  return { $schema, $id: schemaId(type), title: type, description: EVENT_DESCRIPTIONS[type], ...rest };
}

/** `z.literal(1)` comes out as `{type: number, const: 1}`; say `integer`, as the envelope means. */
function integerLiterals({ jsonSchema }: { jsonSchema: { type?: unknown; const?: unknown } }): void {
  if (jsonSchema.type === 'number' && Number.isInteger(jsonSchema.const)) jsonSchema.type = 'integer';
}

/** The webhook POST body and Standard Webhooks headers for an event, signed with the sample secret. */
function sampleWebhook(event: HubEvent): { headers: Record<string, string>; payload: Record<string, unknown> } {
  const payload = { type: event.type, timestamp: event.occurredAt, data: event };
  const timestamp = String(Math.floor(Date.parse(event.occurredAt) / 1000));
  const key = Buffer.from(SAMPLE_WEBHOOK_SECRET.slice('whsec_'.length), 'base64');
  const signature = createHmac('sha256', key).update(`${event.id}.${timestamp}.${JSON.stringify(payload)}`).digest('base64');
  return {
    headers: { 'webhook-id': event.id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature}` },
    payload,
  };
}

function busMessage(type: EventType): Record<string, unknown> {
  const sample = sampleEvents[type];
  return {
    name: type,
    title: `${type} on the council-hub bus`,
    summary: EVENT_DESCRIPTIONS[type],
    contentType: 'application/json',
    correlationId: { location: '$message.payload#/detail/id' },
    payload: {
      schemaFormat: JSON_SCHEMA_2020_12,
      schema: {
        type: 'object',
        description:
          'An EventBridge event. AWS adds version, id, account, time, region and resources; the hub sets source, detail-type and detail.',
        required: ['source', 'detail-type', 'detail'],
        properties: {
          source: { const: HUB_EVENT_SOURCE },
          'detail-type': { const: type },
          detail: schemaRef(type),
        },
      },
    },
    examples: [{ name: `${type}-sample`, payload: { source: HUB_EVENT_SOURCE, 'detail-type': type, detail: sample } }],
  };
}

function webhookMessage(type: EventType): Record<string, unknown> {
  const example = sampleWebhook(sampleEvents[type]);
  return {
    name: type,
    title: `${type} webhook delivery`,
    summary: EVENT_DESCRIPTIONS[type],
    contentType: 'application/json',
    correlationId: { location: '$message.header#/webhook-id' },
    headers: ref('#/components/schemas/StandardWebhookHeaders'),
    payload: {
      schemaFormat: JSON_SCHEMA_2020_12,
      schema: {
        type: 'object',
        required: ['type', 'timestamp', 'data'],
        additionalProperties: false,
        properties: {
          type: { const: type },
          timestamp: { type: 'string', format: 'date-time', description: 'When the event occurred (its occurredAt).' },
          data: schemaRef(type),
        },
      },
    },
    examples: [{ name: `${type}-sample`, summary: `Signed with the example secret ${SAMPLE_WEBHOOK_SECRET}`, ...example }],
  };
}

function eventFeedPageExample(): Record<string, unknown> {
  const items = [sampleEvents.ReceiptRecorded, sampleEvents.CostRecorded];
  return { items, next: sampleEvents.CostRecorded.seq };
}

export function buildAsyncApi(): Record<string, unknown> {
  const messagesOf = (suffix: string): Record<string, { $ref: string }> =>
    Object.fromEntries(EVENT_TYPES.map((type) => [type, ref(`#/components/messages/${type}${suffix}`)]));
  const operationMessages = (channel: string): { $ref: string }[] =>
    EVENT_TYPES.map((type) => ref(`#/channels/${channel}/messages/${type}`));
  const audienceExample = JSON.stringify(councilAudiencePattern('E08000026'));

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Council Collaboration Hub events',
      version: '1.0.0',
      description:
        'Every state change of a challenge appends events (transactional outbox), numbered by a gapless per-challenge `seq` from 1. ' +
        'One JSON shape travels everywhere: the EventBridge `detail`, the webhook `data` and the pull feed items. ' +
        '`id` (a ULID) is the deduplication key: delivery is at least once. `audience` lists the councils entitled to receive an event ' +
        'by push, EventBridge and webhooks (active members at that moment, plus an invited or requesting council for the events about itself); ' +
        'no other council receives it by push. The pull feed is the challenge\'s audit trail: every active member reads every event from seq 1. ' +
        'The JSON Schema (draft 2020-12) of each type is in ./schemas, a sample of each in ./samples. ' +
        `IDs carry \`format: ulid\`, the hub's own format, beside a \`pattern\` that says the same (${ULID_PATTERN.source}); ` +
        "a strict validator must be told the format, e.g. ajv: `addFormat('ulid', pattern)` (plus ajv-formats for date-time).",
    },
    defaultContentType: 'application/json',
    servers: {
      eventBridge: {
        host: 'events.{region}.amazonaws.com',
        protocol: 'https',
        title: 'Amazon EventBridge',
        description: `The hub's custom event bus \`${HUB_EVENT_SOURCE}\` (with an archive for replay).`,
        variables: { region: { default: 'eu-west-2', description: 'AWS region of the deployment' } },
      },
      hubApi: {
        host: '{apiHost}',
        protocol: 'https',
        title: 'Hub HTTP API',
        description: 'The deployed API (API Gateway HTTP API with a Cognito JWT authorizer).',
        variables: { apiHost: { description: 'Domain of the deployed API', examples: ['hub.example.gov.uk'] } },
      },
      localHub: {
        host: '127.0.0.1:3000',
        protocol: 'http',
        title: 'Local hub',
        description: '`npm start` (port from $PORT, default 3000).',
      },
      subscriber: {
        host: '{subscriberHost}',
        protocol: 'https',
        title: 'Webhook subscriber',
        description: "The host of a subscription's `url`: https only and never a private or link-local address when deployed.",
        variables: { subscriberHost: { description: "Host of the subscription's url", examples: ['finance.coventry.example'] } },
      },
    },
    channels: {
      eventBus: {
        address: HUB_EVENT_SOURCE,
        title: 'EventBridge bus council-hub',
        description:
          `Events are put on the bus \`${HUB_EVENT_SOURCE}\` with source \`${HUB_EVENT_SOURCE}\`, detail-type = the event type and detail = the event. ` +
          `A council's own bus (another AWS account) is a rule target filtered on audience, e.g. ${audienceExample}.`,
        servers: [ref('#/servers/eventBridge')],
        messages: messagesOf('OnBus'),
      },
      webhook: {
        address: null,
        title: 'Webhook subscription',
        description:
          "POSTed to the subscription's url, signed per Standard Webhooks (HMAC-SHA256 with the subscription's `whsec_` secret). " +
          'A subscription receives only events whose audience includes its council, filtered further by its eventTypes and challengeIds. ' +
          `Each attempt has ${DELIVERY_TIMEOUT_MS / 1000} s to answer. A 2xx response is success; 410 disables the subscription; anything else ` +
          `(or no answer) is retried on the Standard Webhooks schedule (${describeSchedule(STANDARD_WEBHOOKS_SCHEDULE_MS)}, each wait ±${JITTER * 100}%: ` +
          `${STANDARD_WEBHOOKS_SCHEDULE_MS.length} attempts over about 27.5 hours), each subscription on its own; after the last, the delivery is dead-lettered ` +
          'and shows as failed in GET /v1/subscriptions/{id}/deliveries. Delivery is at least once and unordered: deduplicate on webhook-id ' +
          '(the event id) and order by the event\'s seq within its challenge. For 24 hours after a secret rotation each request carries two ' +
          'signatures, one per secret.',
        servers: [ref('#/servers/subscriber')],
        messages: messagesOf('Webhook'),
      },
      eventFeed: {
        address: '/v1/challenges/{challengeId}/events',
        title: 'Pull feed',
        description:
          "Every event of the challenge in `seq` order from 1, gapless, for systems that cannot accept inbound calls: to any active member (observers included), " +
          'including events from before it joined and those not addressed to it (not filtered by audience). 403 for a council that is not an active member, 404 when the challenge is not visible to it.',
        servers: [ref('#/servers/hubApi'), ref('#/servers/localHub')],
        parameters: { challengeId: { description: 'The challenge id (ULID).' } },
        messages: {
          request: ref('#/components/messages/EventFeedRequest'),
          page: ref('#/components/messages/EventFeedPage'),
        },
      },
    },
    operations: {
      publishEvent: {
        action: 'send',
        channel: ref('#/channels/eventBus'),
        title: 'Publish an event to EventBridge',
        summary: 'The stream publisher puts each committed event on the bus, in seq order per challenge, at least once.',
        messages: operationMessages('eventBus'),
      },
      deliverWebhook: {
        action: 'send',
        channel: ref('#/channels/webhook'),
        title: 'Deliver an event to a webhook subscription',
        summary: 'POST with the Standard Webhooks headers; body `{type, timestamp, data: <event>}`.',
        bindings: { http: { method: 'POST', bindingVersion: '0.3.0' } },
        messages: operationMessages('webhook'),
      },
      readEventFeed: {
        action: 'receive',
        channel: ref('#/channels/eventFeed'),
        title: "Read a challenge's events",
        summary: 'GET /v1/challenges/{challengeId}/events?after=<seq>&limit=<n>; pass `next` as `after` to continue.',
        security: [ref('#/components/securitySchemes/bearerJwt')],
        bindings: {
          http: { method: 'GET', query: ref('#/components/schemas/EventFeedQuery'), bindingVersion: '0.3.0' },
        },
        messages: [ref('#/channels/eventFeed/messages/request')],
        reply: { channel: ref('#/channels/eventFeed'), messages: [ref('#/channels/eventFeed/messages/page')] },
      },
    },
    components: {
      schemas: {
        StandardWebhookHeaders: {
          type: 'object',
          required: ['webhook-id', 'webhook-timestamp', 'webhook-signature'],
          properties: {
            'webhook-id': { type: 'string', description: 'The event id (ULID): the same on every retry, use it to deduplicate.' },
            'webhook-timestamp': { type: 'string', pattern: '^[0-9]+$', description: 'Unix time in seconds of this delivery attempt.' },
            'webhook-signature': {
              type: 'string',
              description:
                'Space-separated `v1,<base64>` signatures: HMAC-SHA256 over `{webhook-id}.{webhook-timestamp}.{body}` keyed with the base64-decoded part of the `whsec_` secret (several while a secret is rotated).',
            },
            'user-agent': { type: 'string', description: `Identifies the hub's deliverer: \`${USER_AGENT}\`.` },
          },
        },
        EventFeedQuery: {
          type: 'object',
          properties: {
            after: { type: 'integer', minimum: 0, default: 0, description: 'The last seq already seen; 0 reads from the start.' },
            limit: { type: 'integer', minimum: 1, maximum: 100, default: 50 },
          },
        },
      },
      messages: {
        ...Object.fromEntries(EVENT_TYPES.map((type) => [`${type}OnBus`, busMessage(type)])),
        ...Object.fromEntries(EVENT_TYPES.map((type) => [`${type}Webhook`, webhookMessage(type)])),
        EventFeedRequest: {
          name: 'EventFeedRequest',
          title: 'Pull feed request',
          summary: 'GET with the query in the operation binding and `Authorization: Bearer <JWT>`; no body.',
        },
        EventFeedPage: {
          name: 'EventFeedPage',
          title: 'Pull feed page',
          summary: 'Every event with seq > after (not filtered by audience), oldest first; `next` is the last seq returned, to pass as `after` for the next page.',
          contentType: 'application/json',
          payload: {
            schemaFormat: JSON_SCHEMA_2020_12,
            schema: {
              type: 'object',
              required: ['items', 'next'],
              additionalProperties: false,
              properties: {
                items: { type: 'array', items: { oneOf: EVENT_TYPES.map(schemaRef) } },
                next: { type: 'integer', minimum: 0, description: 'The seq of the last item, or `after` when there are none.' },
              },
            },
          },
          examples: [{ name: 'EventFeedPage-sample', payload: eventFeedPageExample() }],
        },
      },
      securitySchemes: {
        bearerJwt: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'A Cognito ID token (local hub: `npm run token`).',
        },
      },
    },
  };
}

/** Every generated file, in a stable order. Pure: reads nothing from disk. */
export function buildCatalogue(): CatalogueFile[] {
  const files: CatalogueFile[] = [];
  for (const type of EVENT_TYPES) {
    files.push({ path: schemaFile(type), content: json(eventJsonSchema(type)) });
  }
  for (const type of EVENT_TYPES) {
    const sample = eventSchemas[type].parse(sampleEvents[type]);
    files.push({ path: sampleFile(type), content: json(sample) });
  }
  files.push({ path: ASYNCAPI_PATH, content: json(buildAsyncApi()) });
  return files;
}

/** Writes the catalogue under `root` and removes stale `.json` files from the generated folders. */
export async function writeCatalogue(root: string = REPO_ROOT): Promise<CatalogueFile[]> {
  const files = buildCatalogue();
  const wanted = new Set(files.map((f) => f.path));
  for (const dir of [SCHEMAS_DIR, SAMPLES_DIR]) {
    await mkdir(join(root, dir), { recursive: true });
    for (const name of await readdir(join(root, dir))) {
      if (name.endsWith('.json') && !wanted.has(`${dir}/${name}`)) await rm(join(root, dir, name));
    }
  }
  for (const file of files) await writeFile(join(root, file.path), file.content);
  return files;
}

const invokedDirectly = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  const files = await writeCatalogue();
  console.log(`events: wrote ${files.length} files (${EVENT_TYPES.length} schemas, ${EVENT_TYPES.length} samples, asyncapi.json)`);
}
