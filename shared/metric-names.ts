/**
 * Business metric names (Powertools EMF, namespace CouncilHub), defined once:
 * the code that emits them and the stack's alarms and dashboard both import these.
 */
export const METRIC_NAMESPACE = 'CouncilHub';

export const METRIC = {
  costsRecorded: 'CostsRecorded',
  costPence: 'CostPence',
  deliveriesSucceeded: 'DeliveriesSucceeded',
  deliveriesFailed: 'DeliveriesFailed',
  replays: 'Replays',
  writeConflicts: 'WriteConflicts',
  writeOutcomesResolvedByMarker: 'WriteOutcomesResolvedByMarker',
} as const;

/**
 * Powertools adds `service` (POWERTOOLS_SERVICE_NAME) to every metric as its default
 * dimension, so CloudWatch knows each metric by {service: 'council-hub'}; the alarms
 * and the dashboard (infra/constructs/operations.ts) ask for exactly that.
 */
export const METRIC_SERVICE = 'council-hub';
export const METRIC_DEFAULT_DIMENSIONS = { service: METRIC_SERVICE } as const;

/**
 * What each metric counts (one EMF value per occurrence unless said otherwise):
 * - CostsRecorded (Count): a cost entry committed (not a reversal).
 * - CostPence (None): the amountPence of each cost or reversal entry committed (a reversal
 *   is negative), so its Sum is the net spend recorded in the period.
 * - DeliveriesSucceeded (Count): a webhook attempt answered 2xx.
 * - DeliveriesFailed (Count), with the extra dimension `reason` (DELIVERY_FAILURE_REASONS):
 *   a webhook attempt that did not succeed, whether it is retried, disables the
 *   subscription (410) or is the last; emit it as a single metric (metrics.singleMetric())
 *   so `reason` never lands on the other metrics of the invocation.
 * - Replays (Count): a replay request accepted for a subscription.
 * - WriteConflicts (Count): a write that lost the race on the challenge version.
 * - WriteOutcomesResolvedByMarker (Count): a write whose outcome was unknown (timeout,
 *   fault) and was settled by reading its write marker.
 */
export const DELIVERY_FAILURE_REASON_DIMENSION = 'reason';

/**
 * The closed list of `reason` values: the failure-rate alarm sums DeliveriesFailed over
 * exactly these (CloudWatch alarms cannot search for dimension values), so a reason
 * outside the list would be invisible to it. deliveryFailureReason() picks one.
 */
export const DELIVERY_FAILURE_REASONS = ['status', 'gone', 'timeout', 'connection', 'refused-url'] as const;
export type DeliveryFailureReason = (typeof DELIVERY_FAILURE_REASONS)[number];

/**
 * The reason of a failed attempt, from its result (shared/fanout/http-post.ts): an answer
 * other than 2xx is `status` (410: `gone`); no answer is `timeout`, an address or URL the
 * hub refuses to call is `refused-url`, anything else (DNS, TLS, reset) is `connection`.
 */
export function deliveryFailureReason(result: { statusCode: number } | { error: string }): DeliveryFailureReason {
  if ('statusCode' in result) return result.statusCode === 410 ? 'gone' : 'status';
  if (/^(URL|Address) not allowed/.test(result.error)) return 'refused-url';
  if (/^No answer within/.test(result.error)) return 'timeout';
  return 'connection';
}
