/**
 * The metric names the code emits and the stack reads (shared/metric-names.ts), and the
 * closed list of delivery failure reasons the failure-rate alarm sums over.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../infra/constructs/hub-function';
import {
  DELIVERY_FAILURE_REASONS,
  deliveryFailureReason,
  METRIC,
  METRIC_NAMESPACE,
  METRIC_SERVICE,
} from '../../shared/metric-names';

describe('metric names', () => {
  it('are the ones the issue names, in the CouncilHub namespace of the council-hub service', () => {
    expect(METRIC_NAMESPACE).toBe('CouncilHub');
    expect(METRIC_SERVICE).toBe('council-hub');
    expect(Object.values(METRIC).sort()).toEqual(
      [
        'CostPence',
        'CostsRecorded',
        'DeliveriesFailed',
        'DeliveriesSucceeded',
        'Replays',
        'WriteConflicts',
        'WriteOutcomesResolvedByMarker',
      ].sort(),
    );
  });

  it('match the service name Powertools is given in code (shared/observability.ts)', () => {
    const source = readFileSync(join(projectRoot, 'shared/observability.ts'), 'utf8');
    expect(source).toContain(`'${METRIC_SERVICE}'`);
    expect(source).toContain(`'${METRIC_NAMESPACE}'`);
  });
});

describe('delivery failure reasons', () => {
  it('classify every attempt result the webhook POST can give into the closed list', () => {
    const cases: Array<[Parameters<typeof deliveryFailureReason>[0], string]> = [
      [{ statusCode: 500 }, 'status'],
      [{ statusCode: 404 }, 'status'],
      [{ statusCode: 301 }, 'status'],
      [{ statusCode: 410 }, 'gone'],
      [{ error: 'No answer within 15 s' }, 'timeout'],
      [{ error: 'URL not allowed: https only' }, 'refused-url'],
      [{ error: 'Address not allowed: 10.0.0.1 is a private address' }, 'refused-url'],
      [{ error: 'ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9' }, 'connection'],
      [{ error: 'ENOTFOUND: getaddrinfo ENOTFOUND example.invalid' }, 'connection'],
    ];
    for (const [result, reason] of cases) expect(deliveryFailureReason(result), JSON.stringify(result)).toBe(reason);
    for (const [result] of cases) expect(DELIVERY_FAILURE_REASONS).toContain(deliveryFailureReason(result));
  });

  it('rely on the error texts shared/fanout/http-post.ts actually produces', () => {
    const source = readFileSync(join(projectRoot, 'shared/fanout/http-post.ts'), 'utf8');
    for (const text of ['URL not allowed: ', 'Address not allowed: ', 'No answer within ']) expect(source).toContain(text);
  });
});
