import { STANDARD_WEBHOOKS_SCHEDULE_MS } from '../../shared/fanout/retry-schedule';

/**
 * The local hub's webhook retry schedule: Standard Webhooks' unless told otherwise, for tests:
 *   WEBHOOK_RETRY_SCHEDULE_MS=0,50,100     explicit waits in milliseconds, or
 *   WEBHOOK_RETRY_SCHEDULE_SCALE=0.001     every wait multiplied by the factor (0 < f <= 1).
 * Only the local hub reads these: the deployed deliverer is built with the standard
 * schedule itself (functions/deliverer.ts), so no variable can shorten it there.
 */
export function localRetrySchedule(env: Record<string, string | undefined> = process.env): readonly number[] {
  const explicit = env.WEBHOOK_RETRY_SCHEDULE_MS?.trim();
  const scale = env.WEBHOOK_RETRY_SCHEDULE_SCALE?.trim();
  if (explicit) {
    const waits = explicit.split(',').map((part) => Number(part.trim()));
    if (waits.some((w) => !Number.isInteger(w) || w < 0)) throw new Error(`WEBHOOK_RETRY_SCHEDULE_MS must list whole milliseconds, got '${explicit}'`);
    return waits;
  }
  if (!scale) return STANDARD_WEBHOOKS_SCHEDULE_MS;
  const factor = Number(scale);
  if (!(factor > 0 && factor <= 1)) throw new Error(`WEBHOOK_RETRY_SCHEDULE_SCALE must be in (0, 1], got '${scale}'`);
  return STANDARD_WEBHOOKS_SCHEDULE_MS.map((wait) => Math.round(wait * factor));
}
