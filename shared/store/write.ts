/**
 * The write path's store half: one change to one challenge, exactly once.
 *
 * Every logical write has a write id, fixed before its first attempt (from the
 * caller's `sub` and Idempotency-Key, or minted once per request). The same
 * TransactWriteItems that applies the change (records, ledger entry, outbox
 * events, the challenge's seq under a condition) also puts a marker item for that
 * id, `attribute_not_exists`, holding the answer. So:
 * - two attempts with one write id can never both commit;
 * - an attempt whose outcome is unknown (lost response, timeout, a cancellation
 *   after the SDK retried) is settled by reading the marker: there, the write
 *   happened and its answer is returned, never decided again;
 * - a client retry with the same key finds the marker even when the invocation
 *   that wrote it died before it could answer.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { ChallengeRecord, ChallengeState } from '../domain/records';
import type { Refusal, Settled } from '../domain/transition';
import { logger, metrics } from '../observability';
import { METRIC } from '../metric-names';
import { readStateItems, stateFromItems } from './challenges';
import { documents, tableName } from './client';
import { KeyReuseError, WriteContentionError, WriteOutcomeUnknownError } from './errors';
import { keys, KIND, STATE_PREFIX } from './keys';
import type { Item } from './ranges';

/** What a decision asks the store to do. `answer` is opaque here: the caller's reply, kept on the marker. */
export type Plan<A> =
  | { refused: Refusal }
  | { unchanged: true; answer: A }
  | { settled: Settled; answer: A };

export interface WriteRequest<A> {
  /** The challenge written; undefined for a new one (its id comes from the transition). */
  challengeId: string | undefined;
  writeId: string;
  /** The request's fingerprint: a marker for the same id with another fingerprint is key reuse. */
  requestHash: string;
  /** Who is asking now: a marker written by another request is a replay. */
  requestId: string;
  /** True when an earlier invocation may have written this id (the client sent an Idempotency-Key). */
  keyed: boolean;
  /** Access checks, transition and answer; runs again on fresh state after a conflict. */
  decide(state: ChallengeState | undefined): Promise<Plan<A>> | Plan<A>;
}

export type WriteOutcome<A> = { answer: A; replayed: boolean; settled?: Settled } | { refused: Refusal };

/** Markers outlive the 24 h Idempotency-Key window. */
const MARKER_TTL_SECONDS = 48 * 60 * 60;
const MAX_ATTEMPTS = 12;

interface Marker<A> {
  writeId: string;
  challengeId: string;
  requestHash: string;
  requestId: string;
  answer: A;
  writtenAt: string;
}

/** The marker for `writeId`, if that write happened (strongly consistent). */
export async function readWriteMarker<A>(writeId: string): Promise<Marker<A> | undefined> {
  const { Item } = await documents.send(new GetCommand({ TableName: tableName, Key: keys.writeMarker(writeId), ConsistentRead: true }));
  return Item as Marker<A> | undefined;
}

function fromMarker<A>(marker: Marker<A>, request: WriteRequest<A>): WriteOutcome<A> {
  if (marker.requestHash !== request.requestHash) throw new KeyReuseError();
  return { answer: marker.answer, replayed: marker.requestId !== request.requestId };
}

/** Full jitter on an exponential base, capped: contention clears fast without a thundering herd. */
const backoff = (attempt: number) => new Promise((r) => setTimeout(r, Math.random() * Math.min(1000, 25 * 2 ** attempt)));

/**
 * Writes to one challenge serialize on its seq whatever happens, so writes from one
 * process queue here instead of racing: a conflict retry (re-read, backoff, re-decide)
 * becomes a short wait. Separate processes (Lambda instances) still race, and the
 * conditional write with its retries below keeps them correct.
 */
const queues = new Map<string, Promise<unknown>>();

/**
 * The state items a write has just committed, handed to the write queued behind it,
 * which starts from them instead of reading them back: after a transaction DynamoDB
 * confirmed, the state is the items it read with the ones it put laid over them (only
 * write.ts writes state items). Kept only while writes queue, and taken by one write:
 * if another process wrote in between, the seq condition refuses that write and it
 * reads afresh, as after any conflict.
 */
const handedOn = new Map<string, Item[]>();

function oneAtATime<T>(challengeId: string | undefined, work: () => Promise<T>): Promise<T> {
  if (challengeId === undefined) return work();
  const run = (queues.get(challengeId) ?? Promise.resolve()).then(work, work);
  const tail = run.catch(() => undefined);
  queues.set(challengeId, tail);
  void tail.then(() => {
    if (queues.get(challengeId) !== tail) return;
    queues.delete(challengeId);
    handedOn.delete(challengeId);
  });
  return run;
}

/** The state items once `transaction` has committed on top of `before` (both as stored: undefined attributes dropped). */
export function stateItemsAfter(before: readonly Item[], transaction: ReadonlyArray<object>): Item[] {
  const bySk = new Map(before.map((item) => [item.SK, item]));
  const partition = before[0]?.PK;
  for (const step of transaction) {
    const item = 'Put' in step ? (step.Put as { Item?: Item }).Item : undefined;
    if (!item || typeof item.SK !== 'string' || !item.SK.startsWith(STATE_PREFIX) || (partition !== undefined && item.PK !== partition)) continue;
    // As the DocumentClient stores it (removeUndefinedValues): plain data, no undefined attributes.
    bySk.set(item.SK, JSON.parse(JSON.stringify(item)) as Item);
  }
  return [...bySk.values()];
}

export function writeChallenge<A>(request: WriteRequest<A>): Promise<WriteOutcome<A>> {
  return oneAtATime(request.challengeId, () => attemptWrite(request));
}

async function attemptWrite<A>(request: WriteRequest<A>): Promise<WriteOutcome<A>> {
  // Set once an attempt's outcome could not be told: a refusal is then checked against the marker once more.
  let uncertain = false;
  let lastFailure: 'raced' | 'unknown' = 'raced';
  let lastError: unknown;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    if (attempt > 1) await backoff(attempt);
    let beforeItems: Item[] | undefined;
    let before: ChallengeState | undefined;
    let plan: Plan<A>;
    try {
      if (request.challengeId !== undefined) {
        const given = attempt === 1 ? takeHandedOn(request.challengeId) : undefined;
        beforeItems = given ?? (await readStateItems(request.challengeId));
        before = stateFromItems(beforeItems);
      }
      plan = await request.decide(before);
    } catch (error) {
      if (!isTransient(error)) throw error;
      [lastFailure, lastError] = ['unknown', error];
      continue;
    }
    if (!('settled' in plan)) {
      if (request.keyed || uncertain) {
        const marker = await readWriteMarker<A>(request.writeId);
        if (marker) return resolvedByMarker(marker, request);
      }
      return 'refused' in plan ? { refused: plan.refused } : { answer: plan.answer, replayed: false };
    }
    const { items, markerIndex, checkIndex } = transactItems(before?.challenge, plan.settled, {
      writeId: request.writeId,
      challengeId: plan.settled.after.challenge.id,
      requestHash: request.requestHash,
      requestId: request.requestId,
      answer: plan.answer,
      writtenAt: new Date().toISOString(),
    });
    try {
      await documents.send(new TransactWriteCommand({ TransactItems: items }));
      if (request.challengeId !== undefined && beforeItems) handedOn.set(request.challengeId, stateItemsAfter(beforeItems, items));
      return { answer: plan.answer, replayed: false, settled: plan.settled };
    } catch (error) {
      const outcome = classify(error, markerIndex, checkIndex);
      if (outcome === 'applied') {
        const marker = await readWriteMarker<A>(request.writeId);
        if (marker) return resolvedByMarker(marker, request);
        [lastFailure, lastError, uncertain] = ['unknown', error, true];
      } else if (typeof outcome === 'number') {
        const check = plan.settled.transition.registeredCouncils?.[outcome];
        if (check) return { refused: check.refusal };
      } else if (outcome === 'raced') {
        [lastFailure, lastError] = ['raced', error];
        metrics.addMetric(METRIC.writeConflicts, MetricUnit.Count, 1);
        logger.debug('Write conflict, retrying', { challengeId: request.challengeId, attempt });
      } else if (outcome === 'fatal') {
        throw error;
      } else {
        // Lost response, timeout, throttled or failed after the SDK's own retries: did it land?
        const marker = await readWriteMarker<A>(request.writeId).catch(() => undefined);
        if (marker) return resolvedByMarker(marker, request);
        [lastFailure, lastError, uncertain] = ['unknown', error, true];
        logger.warn('Write outcome unknown; not applied per its marker, retrying', { writeId: request.writeId, attempt, error: error as Error });
      }
    }
  }
  if (lastFailure === 'raced') throw new WriteContentionError(request.challengeId ?? 'new', MAX_ATTEMPTS);
  throw new WriteOutcomeUnknownError(request.writeId, { cause: lastError });
}

function takeHandedOn(challengeId: string): Item[] | undefined {
  const items = handedOn.get(challengeId);
  handedOn.delete(challengeId);
  return items;
}

function resolvedByMarker<A>(marker: Marker<A>, request: WriteRequest<A>): WriteOutcome<A> {
  metrics.addMetric(METRIC.writeOutcomesResolvedByMarker, MetricUnit.Count, 1);
  return fromMarker(marker, request);
}


type Classified = 'applied' | 'raced' | 'unknown' | 'fatal' | number;

/**
 * What a failed TransactWriteItems says about its write. Only a cancellation on the
 * SDK's first and only attempt is a clean "not applied"; after an SDK retry an earlier
 * attempt may have committed, so it is unknown unless the marker's own condition failed.
 */
function classify(error: unknown, markerIndex: number, checkIndex: { from: number; count: number }): Classified {
  const attempts = (error as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1;
  if (error instanceof TransactionCanceledException) {
    const codes = (error.CancellationReasons ?? []).map((r) => r.Code);
    if (codes[markerIndex] === 'ConditionalCheckFailed') return 'applied';
    if (attempts > 1) return 'unknown';
    for (let i = 0; i < checkIndex.count; i++) if (codes[checkIndex.from + i] === 'ConditionalCheckFailed') return i;
    if (codes.some((c) => c === 'ConditionalCheckFailed' || c === 'TransactionConflict')) return 'raced';
    return 'unknown';
  }
  return isTransient(error) ? 'unknown' : 'fatal';
}

/**
 * Whether a failed call may have failed for a passing reason: DynamoDB's server
 * faults, throttling, and the network (lost connection, timeout). Client faults
 * other than throttling are the request's own (a bug), and errors that never went
 * through the SDK (a refusal, a Problem) are not DynamoDB's at all.
 */
function isTransient(error: unknown): boolean {
  const e = error as { $fault?: string; $metadata?: unknown; name?: string; code?: string };
  if (e?.$fault === 'server') return true;
  if (e?.$fault === 'client') return /Throttl|ProvisionedThroughputExceeded|RequestLimitExceeded|TransactionInProgress/.test(e.name ?? '');
  return e?.$metadata !== undefined || /^E[A-Z]+$/.test(e?.code ?? '') || e?.name === 'TimeoutError';
}

/** The seq of the event that records ledger entry `entryId`. */
const entrySeq = ({ events }: Settled, entryId: string) => events.find((e) => (e.data as { entryId?: string }).entryId === entryId)?.seq;

function challengeItem(c: ChallengeRecord) {
  return { ...keys.challenge(c.id), ...(c.visibility === 'public' ? keys.publicChallenge(c.id) : {}), kind: KIND.challenge, ...c };
}

/**
 * One transaction: the challenge (conditioned on the seq that was read, or new),
 * the registration checks, every changed record, the entry and its reversal marker,
 * the numbered events, and last the write marker.
 */
function transactItems<A>(before: ChallengeRecord | undefined, settled: Settled, marker: Marker<A>) {
  const table = tableName;
  const { after, transition, events } = settled;
  const id = after.challenge.id;
  const put = (Item: Record<string, unknown>, mustBeNew = false) => ({
    Put: { TableName: table, Item, ...(mustBeNew ? { ConditionExpression: 'attribute_not_exists(PK)' } : {}) },
  });
  const checks = (transition.registeredCouncils ?? []).map(({ council }) => ({
    ConditionCheck: { TableName: table, Key: keys.council(council), ConditionExpression: 'attribute_exists(PK)' },
  }));
  const items = [
    {
      Put: {
        TableName: table,
        Item: challengeItem(after.challenge),
        ...(before
          ? { ConditionExpression: 'seq = :seq', ExpressionAttributeValues: { ':seq': before.seq } }
          : { ConditionExpression: 'attribute_not_exists(PK)' }),
      },
    },
    ...checks,
    ...(transition.members ?? []).map((m) =>
      put({ ...keys.member(id, m.council), ...keys.councilMembership(m.council, id), kind: KIND.member, challengeId: id, ...after.members.find((a) => a.council === m.council) }),
    ),
    ...(transition.agreements ?? []).map((a) => put({ ...keys.agreement(id, a.version), kind: KIND.agreement, challengeId: id, ...a })),
    // `seq`: the entry's event, so the ledger can be read "as it stood at seq N".
    ...(transition.entries ?? []).map((entry) => put({ ...keys.entry(id, entry.id), kind: KIND.entry, challengeId: id, ...entry, seq: entrySeq(settled, entry.id) }, true)),
    ...(transition.reverses
      ? [put({ ...keys.reversalMarker(id, transition.reverses.costId), kind: KIND.reversalMarker, challengeId: id, ...transition.reverses, recordedAt: transition.entries?.[0]?.recordedAt }, true)]
      : []),
    ...events.map((e) => put({ ...keys.event(id, e.seq), kind: KIND.event, event: e, requestId: marker.requestId }, true)),
    put({ ...keys.writeMarker(marker.writeId), kind: KIND.writeMarker, ...marker, expiresAt: Math.floor(Date.now() / 1000) + MARKER_TTL_SECONDS }, true),
  ];
  if (items.length > 100) throw new Error(`A change of ${items.length} items exceeds one transaction`);
  return { items, markerIndex: items.length - 1, checkIndex: { from: 1, count: checks.length } };
}
