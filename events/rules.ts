/**
 * EventBridge rule patterns, defined once: the CDK rules (infra) and the local bus
 * (events/match.ts) both use these, so a council gets exactly the same events either way.
 *
 * Patterns use EventBridge's raw event keys (`source`, `detail`), which CDK's
 * `EventPattern` shares for these two fields. Arrays are plain `string[]` so the objects
 * can be handed to CDK's `eventPattern` as they are.
 */
import { GSS_CODE_PATTERN } from '../shared/schemas/common';

/** `source` of every event the hub puts on its bus (the bus is named the same). */
export const HUB_EVENT_SOURCE = 'council-hub';

/** Every hub event (e.g. the archive, the webhook fan-out). */
export const allHubEventsPattern: { source: string[] } = { source: [HUB_EVENT_SOURCE] };

/** The hub events a council is entitled to see: its code is in the event's `audience`. */
export function councilAudiencePattern(council: string): { source: string[]; detail: { audience: string[] } } {
  if (!GSS_CODE_PATTERN.test(council)) throw new Error(`councilAudiencePattern: not a GSS code: ${JSON.stringify(council)}`);
  return { source: [HUB_EVENT_SOURCE], detail: { audience: [council] } };
}

/**
 * The webhook fan-out rule: every hub event goes to the dispatch queue, and the
 * dispatcher finds the subscriptions entitled to it (by `audience`, in the table),
 * since subscriptions change at run time and rules do not.
 */
export const webhookDispatchPattern: { source: string[] } = allHubEventsPattern;

/**
 * The outbox publisher's event-source filter (Lambda filter criteria share the rule
 * pattern syntax): only newly inserted event items, never state, ledger or
 * idempotency writes. CDK puts it in the stream mapping's FilterCriteria; the local
 * stream poller applies it with `matchesFilter` (events/match.ts).
 */
export const outboxStreamFilter = {
  eventName: ['INSERT'],
  dynamodb: { NewImage: { kind: { S: ['event'] } } },
} as const satisfies Record<string, unknown>;

// ---------------------------------------------------------------------------
// Cross-account delivery: a council's own EventBridge bus as a rule target.

/** The CDK context key: `councilEventBuses: [{council, eventBusArn}, ...]` (docs/events.md). */
export const COUNCIL_EVENT_BUSES_CONTEXT = 'councilEventBuses';

export interface CouncilEventBus {
  /** GSS code: the bus receives exactly the events whose `audience` includes it. */
  council: string;
  /** The council's bus in its own account, e.g. arn:aws:events:eu-west-2:123456789012:event-bus/hub-events. */
  eventBusArn: string;
}

const EVENT_BUS_ARN_PATTERN = /^arn:aws[a-z-]*:events:[a-z]{2}(-[a-z]+)+-\d:\d{12}:event-bus\/[A-Za-z0-9._\-/]{1,256}$/;

/**
 * Reads the `councilEventBuses` context value (an array from cdk.json, or a JSON
 * string from `cdk deploy -c councilEventBuses='[...]'`). Absent means none. Anything
 * malformed fails the synth with the entry named: a typo must never route a
 * council's events to the wrong account.
 */
export function parseCouncilEventBuses(value: unknown): CouncilEventBus[] {
  if (value === undefined || value === null || value === '') return [];
  let list: unknown = value;
  if (typeof value === 'string') {
    try {
      list = JSON.parse(value);
    } catch {
      throw new Error(`${COUNCIL_EVENT_BUSES_CONTEXT}: not JSON: ${value}`);
    }
  }
  if (!Array.isArray(list)) throw new Error(`${COUNCIL_EVENT_BUSES_CONTEXT}: expected an array of {council, eventBusArn}`);
  const seen = new Set<string>();
  return list.map((entry: unknown, i) => {
    const where = `${COUNCIL_EVENT_BUSES_CONTEXT}[${i}]`;
    if (typeof entry !== 'object' || entry === null) throw new Error(`${where}: expected {council, eventBusArn}`);
    const { council, eventBusArn, ...rest } = entry as Record<string, unknown>;
    if (Object.keys(rest).length > 0) throw new Error(`${where}: unknown field(s) ${Object.keys(rest).join(', ')}`);
    if (typeof council !== 'string' || !GSS_CODE_PATTERN.test(council)) throw new Error(`${where}.council: not a GSS code: ${JSON.stringify(council)}`);
    if (typeof eventBusArn !== 'string' || !EVENT_BUS_ARN_PATTERN.test(eventBusArn)) {
      throw new Error(`${where}.eventBusArn: not an EventBridge event bus ARN: ${JSON.stringify(eventBusArn)}`);
    }
    const key = `${council} ${eventBusArn}`;
    if (seen.has(key)) throw new Error(`${where}: ${council} -> ${eventBusArn} is listed twice`);
    seen.add(key);
    return { council, eventBusArn };
  });
}
