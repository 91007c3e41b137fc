/**
 * The subset of EventBridge pattern matching the hub's rules need, for the local bus.
 * - A leaf is an array of allowed values: the event's value matches when it equals one of
 *   them or, when the event's value is an array, when any of its elements does.
 * - A nested object recurses into the event's object at that key.
 * - Keys absent from the pattern are ignored; a pattern key absent from the event fails.
 * (Content filters such as `prefix` or `anything-but` are not supported.)
 */
export type PatternValue = string | number | boolean | null;
export type EventPattern = { readonly [key: string]: readonly PatternValue[] | EventPattern };

export interface BusEvent {
  source: string;
  'detail-type': string;
  detail: unknown;
}

export function matchesPattern(pattern: EventPattern, event: BusEvent): boolean {
  return matchesObject(pattern, event);
}

/**
 * The same matching for any JSON object: Lambda event-source filters (e.g. the outbox
 * stream's `outboxStreamFilter`) use EventBridge's pattern syntax, so the local stream
 * poller applies them with this, exactly as the deployed event source mapping would.
 */
export function matchesFilter(pattern: EventPattern, value: unknown): boolean {
  return matchesObject(pattern, value);
}

function matchesObject(pattern: EventPattern, value: unknown): boolean {
  if (!isObject(value)) return false;
  for (const [key, expected] of Object.entries(pattern)) {
    if (!Object.hasOwn(value, key)) return false;
    const actual = value[key];
    const ok = isLeaf(expected) ? matchesLeaf(expected, actual) : matchesObject(expected, actual);
    if (!ok) return false;
  }
  return true;
}

function matchesLeaf(allowed: readonly PatternValue[], actual: unknown): boolean {
  const candidates: readonly unknown[] = Array.isArray(actual) ? actual : [actual];
  return candidates.some((candidate) => allowed.some((value) => value === candidate));
}

function isLeaf(value: readonly PatternValue[] | EventPattern): value is readonly PatternValue[] {
  return Array.isArray(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
