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
