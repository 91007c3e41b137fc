/**
 * A write to a challenge as one straight line: caller → access check and pure
 * transition (`decide`) → settle (records and numbered events) → answer (`respond`,
 * from the records) → the store writes it all, with its write marker, exactly once.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { monotonicFactory } from 'ulid';
import { visible } from '../access';
import { callerCouncil } from '../auth';
import type { ChallengeState, Context } from '../domain/records';
import { isRefusal, isUnchanged, type Decision, settle, type Settled } from '../domain/transition';
import { METRIC } from '../metric-names';
import { metrics } from '../observability';
import { writeChallenge } from '../store/write';
import { IDEMPOTENCY_HEADER, requestHashOf, writeIdFor } from './idempotency';
import type { Handler, OperationInput } from './operation';
import { problemOf } from './problem-details';
import type { HttpResult } from './responses';
import type { RouteSpec } from './route-spec';

export const newId = monotonicFactory();

export interface Written {
  /** The state once the change lands (or as read, when nothing changed). */
  after: ChallengeState;
  /** Absent when the decision was Unchanged. */
  settled?: Settled;
}

export interface ChallengeWrite<R extends RouteSpec> {
  /** The challenge written; omitted for creating one. */
  challengeId?: (input: OperationInput<R>) => string;
  /** Access checks, then the transition: a Refusal, Unchanged, or the Transition. Runs again after a conflict. */
  decide(state: ChallengeState, input: OperationInput<R>, ctx: Context): Decision | Promise<Decision>;
  /** The answer, built from the records: kept on the write marker, so a retry gets exactly this. */
  respond(written: Written, input: OperationInput<R>): HttpResult | Promise<HttpResult>;
}

export function challengeWrite<R extends RouteSpec>(spec: ChallengeWrite<R>): Handler<R> {
  return async function writeOperation(input) {
    const caller = input.caller!;
    const actor = { council: callerCouncil(caller), sub: caller.sub };
    const key = input.headers[IDEMPOTENCY_HEADER];
    const challengeId = spec.challengeId?.(input);
    const outcome = await writeChallenge<HttpResult>({
      challengeId,
      // Fixed before the first attempt: every retry, in the hub or by the client with its key, reuses it.
      writeId: key ? writeIdFor(caller.sub, key) : newId(),
      requestHash: requestHashOf(input.event),
      requestId: input.event.requestContext?.requestId ?? newId(),
      keyed: key !== undefined,
      async decide(state) {
        const ctx: Context = { actor, now: new Date().toISOString(), newId: (atMs) => newId(atMs) };
        const hidden = challengeId === undefined ? null : visible(state, caller, challengeId);
        if (hidden) return { refused: hidden };
        const decision = await spec.decide(state as ChallengeState, input, ctx);
        if (isRefusal(decision)) return { refused: decision };
        if (isUnchanged(decision)) return { unchanged: true, answer: await spec.respond({ after: state! }, input) };
        const settled = settle(state, decision, ctx);
        return { settled, answer: await spec.respond({ after: settled.after, settled }, input) };
      },
    });
    if ('refused' in outcome) throw problemOf(outcome.refused);
    if (outcome.settled) countSpend(outcome.settled);
    if (!outcome.replayed) return outcome.answer;
    return { ...outcome.answer, headers: { ...outcome.answer.headers, 'idempotent-replayed': 'true' } };
  };
}

/** Business metrics of a committed change (shared/metric-names.ts): costs recorded, and their pence net of reversals. */
function countSpend({ events }: Settled) {
  for (const e of events) {
    if (e.type !== 'CostRecorded' && e.type !== 'CostReversed') continue;
    if (e.type === 'CostRecorded') metrics.addMetric(METRIC.costsRecorded, MetricUnit.Count, 1);
    metrics.addMetric(METRIC.costPence, MetricUnit.NoUnit, e.data.amountPence);
  }
}
