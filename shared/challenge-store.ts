import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { monotonicFactory } from 'ulid';
import { documents, withoutKeys } from './db';
import { Problem } from './errors';
import { activeCouncils } from './domain/consortium';
import { keys, KIND, STATE_PREFIX } from './keys';
import { logger, metrics } from './observability';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MemberRole, MemberStatus, ProcurementRoute, Stage, Visibility } from './schemas/common';
import { type EventData, type EventType, eventSchemas, type HubEvent } from './schemas/events';
import { tableName } from './table';

export const newId = monotonicFactory();

export interface ChallengeRecord {
  id: string;
  title: string;
  statement: string;
  howMightWe: string;
  outcomes: string[];
  themes: string[];
  visibility: Visibility;
  procurementRoute: ProcurementRoute;
  targetBudgetPence?: number;
  leadCouncil: string;
  stage: Stage;
  /** Content version, the ETag: advances when the challenge's own fields change. */
  version: number;
  /** Number of the last event; every change advances it under a condition. */
  seq: number;
  createdAt: string;
  updatedAt: string;
  /** Pool totals, the running sums of the members' figures (money: shared/ledger.ts). Absent: all zero. */
  totals?: PoolRunningTotals;
  /** The newest ledger entry's id: the next one is minted above it, so entry ids sort in commit order. */
  lastEntryId?: string;
}

/** Running pool totals kept on the challenge item, written with every ledger entry. */
export interface PoolRunningTotals {
  pledgedPence: number;
  committedPence: number;
  receivedPence: number;
  /** Net spend: costs minus reversals. */
  spentPence: number;
}

/**
 * A member's running money figures (absent: 0), written with every ledger entry
 * that changes them. Only money code sets them; other changes carry them over.
 */
export interface MemberFigureFields {
  pledgedPence?: number;
  committedPence?: number;
  receivedPence?: number;
  allocatedCostPence?: number;
  allocatedRiskPence?: number;
  /** The ledger entry that set the current pledge. */
  pledgeEntryId?: string;
}

export const MEMBER_MONEY_FIELDS = [
  'pledgedPence',
  'committedPence',
  'receivedPence',
  'allocatedCostPence',
  'allocatedRiskPence',
  'pledgeEntryId',
] as const satisfies ReadonlyArray<keyof MemberFigureFields>;

export interface MemberRecord extends MemberFigureFields {
  council: string;
  role: MemberRole;
  status: MemberStatus;
  via: 'creation' | 'invitation' | 'request';
  invitedAt?: string;
  requestedAt?: string;
  joinedAt?: string;
  leftAt?: string;
  updatedAt: string;
}

/** Everything a decision about one challenge needs, read in one Query. */
export interface ChallengeState {
  challenge: ChallengeRecord;
  members: MemberRecord[];
  /** Other `S#` items (agreements, ...), by sort key. */
  others: Map<string, Record<string, unknown>>;
}

export const memberOf = (state: ChallengeState, council: string | undefined) =>
  council === undefined ? undefined : state.members.find((m) => m.council === council);

export async function loadChallenge(id: string, consistent = false): Promise<ChallengeState | undefined> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :state)',
        ExpressionAttributeValues: { ':pk': keys.challengePartition(id), ':state': STATE_PREFIX },
        ConsistentRead: consistent,
        ExclusiveStartKey: startKey,
      }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  const challengeItem = items.find((i) => i.kind === KIND.challenge);
  if (!challengeItem) return undefined;
  const others = new Map<string, Record<string, unknown>>();
  const members: MemberRecord[] = [];
  for (const item of items) {
    if (item.kind === KIND.member) members.push(withoutKeys(item) as unknown as MemberRecord);
    else if (item.kind !== KIND.challenge) others.set(item.SK as string, item);
  }
  members.sort((a, b) => a.council.localeCompare(b.council));
  return { challenge: withoutKeys(challengeItem) as unknown as ChallengeRecord, members, others };
}

// ---------------------------------------------------------------------------
// Writes: the transactional outbox

export interface PendingEvent<T extends EventType = EventType> {
  type: T;
  data: EventData<T>;
  /** Councils the event is about that are not active members (an invitee, a leaver). */
  about?: string[];
}

export const event = <T extends EventType>(type: T, data: EventData<T>, about?: string[]): PendingEvent<T> => ({
  type,
  data,
  ...(about ? { about } : {}),
});

export interface Change {
  /** The challenge as it should be after the change (without seq: the store numbers events). */
  challenge: Omit<ChallengeRecord, 'seq'>;
  members?: MemberRecord[];
  /** Further items to put (agreements, ledger entries), with their keys. */
  items?: Array<{ key: { PK: string; SK: string }; item: Record<string, unknown>; mustBeNew?: boolean }>;
  events: PendingEvent[];
  /** Items that must exist for the change to hold (e.g. a registered council), checked in the same transaction. */
  mustExist?: Array<{ key: { PK: string; SK: string }; problem: Problem }>;
}

export interface Actor {
  council: string;
  sub: string;
}

const MAX_ATTEMPTS = 12;
/** Conflicts retried since the process started: the concurrency tests report it. */
export const writeStats = { conflicts: 0 };

function memberItem(challengeId: string, m: MemberRecord) {
  return { ...keys.member(challengeId, m.council), ...keys.councilMembership(m.council, challengeId), kind: KIND.member, challengeId, ...m };
}

function challengeItem(c: ChallengeRecord) {
  return { ...keys.challenge(c.id), ...(c.visibility === 'public' ? keys.publicChallenge(c.id) : {}), kind: KIND.challenge, ...c };
}

const cancellationCodes = (error: unknown) =>
  error instanceof TransactionCanceledException ? (error.CancellationReasons ?? []).map((r) => r.Code) : [];

/** Full jitter on an exponential base, capped: contention clears fast without a thundering herd. */
const backoff = (attempt: number) => new Promise((r) => setTimeout(r, Math.random() * Math.min(1000, 25 * 2 ** attempt)));

/**
 * Applies one change to a challenge: the changed items, one event item per event
 * (numbered on from the challenge's seq, gapless) and the challenge itself, all
 * in one TransactWriteItems conditioned on the seq that was read. A concurrent
 * writer makes the condition fail; the decision is then re-made on fresh state.
 * `decide` is called with the state read (undefined for a new challenge) and
 * throws a Problem to refuse, or answers 'unchanged' when there is nothing to do.
 */
export async function writeChallenge(
  id: string,
  actor: Actor,
  decide: (state: ChallengeState | undefined) => Change | 'unchanged' | Promise<Change | 'unchanged'>,
  options: { create?: boolean } = {},
): Promise<{ state: ChallengeState; events: HubEvent[] }> {
  for (let attempt = 1; ; attempt++) {
    const before = options.create ? undefined : await loadChallenge(id, true);
    // `decide` may read more (e.g. the ledger entry a reversal names): it runs again on every retry.
    const change = await decide(before);
    if (change === 'unchanged') return { state: before!, events: [] };
    const { state, events, transactItems } = plan(before, change, actor);
    try {
      await documents.send(new TransactWriteCommand({ TransactItems: transactItems }));
      return { state, events };
    } catch (error) {
      const codes = cancellationCodes(error);
      // Items 1..n are the existence checks: a failed one is the caller's problem, not a race.
      const failedCheck = (change.mustExist ?? []).find((_, i) => codes[i + 1] === 'ConditionalCheckFailed');
      if (failedCheck) throw failedCheck.problem;
      const raced = codes.some((c) => c === 'ConditionalCheckFailed' || c === 'TransactionConflict');
      if (!raced || options.create) throw error;
      if (attempt >= MAX_ATTEMPTS) {
        // Still losing after every retry: nothing was written, so the caller may safely try again.
        throw new Problem(503, 'The challenge is being changed by many requests at once; retry shortly.', { code: 'write_contention' });
      }
      writeStats.conflicts++;
      metrics.addMetric('ChallengeWriteConflicts', MetricUnit.Count, 1);
      logger.debug('Write conflict, retrying', { challengeId: id, attempt });
      await backoff(attempt);
    }
  }
}

/**
 * Money figures survive every non-money change: a record rebuilt from scratch
 * (a withdrawn council invited again) keeps the figures its ledger entries made.
 */
function keepMoneyFields(before: MemberRecord | undefined, m: MemberRecord): MemberRecord {
  if (!before) return m;
  const kept: MemberRecord = { ...m };
  for (const field of MEMBER_MONEY_FIELDS) {
    if (kept[field] === undefined && before[field] !== undefined) (kept as unknown as Record<string, unknown>)[field] = before[field];
  }
  return kept;
}

function keepPoolFields(before: ChallengeRecord | undefined, c: Omit<ChallengeRecord, 'seq'>): Omit<ChallengeRecord, 'seq'> {
  if (!before) return c;
  return {
    ...c,
    ...(c.totals === undefined && before.totals !== undefined ? { totals: before.totals } : {}),
    ...(c.lastEntryId === undefined && before.lastEntryId !== undefined ? { lastEntryId: before.lastEntryId } : {}),
  };
}

function plan(before: ChallengeState | undefined, change: Change, actor: Actor) {
  const now = new Date().toISOString();
  const id = change.challenge.id;
  const fromSeq = before?.challenge.seq ?? 0;
  const challenge: ChallengeRecord = { ...keepPoolFields(before?.challenge, change.challenge), seq: fromSeq + change.events.length };
  const changedMembers = new Map(
    (change.members ?? []).map((m) => [m.council, keepMoneyFields(before?.members.find((b) => b.council === m.council), m)]),
  );
  const members = [
    ...(before?.members ?? []).filter((m) => !changedMembers.has(m.council)),
    ...changedMembers.values(),
  ].sort((a, b) => a.council.localeCompare(b.council));
  const others = new Map(before?.others);
  for (const { key, item } of change.items ?? []) if (key.SK.startsWith(STATE_PREFIX)) others.set(key.SK, { ...key, ...item });
  const state: ChallengeState = { challenge, members, others };

  const audienceNow = activeCouncils(members);
  const events = change.events.map((pending, i) =>
    // Validated against the catalogue so nothing off-contract is ever published.
    eventSchemas[pending.type].parse({
      id: newId(),
      type: pending.type,
      version: 1,
      challengeId: id,
      seq: fromSeq + i + 1,
      occurredAt: now,
      actor,
      audience: [...new Set([...audienceNow, ...(pending.about ?? [])])].sort(),
      data: pending.data,
    }) as HubEvent,
  );

  const table = tableName();
  const transactItems = [
    {
      Put: {
        TableName: table,
        Item: challengeItem(challenge),
        ...(before
          ? { ConditionExpression: 'seq = :seq', ExpressionAttributeValues: { ':seq': before.challenge.seq } }
          : { ConditionExpression: 'attribute_not_exists(PK)' }),
      },
    },
    ...(change.mustExist ?? []).map(({ key }) => ({
      ConditionCheck: { TableName: table, Key: key, ConditionExpression: 'attribute_exists(PK)' },
    })),
    ...[...changedMembers.values()].map((m) => ({ Put: { TableName: table, Item: memberItem(id, m) } })),
    ...(change.items ?? []).map(({ key, item, mustBeNew }) => ({
      Put: { TableName: table, Item: { ...key, ...item }, ...(mustBeNew ? { ConditionExpression: 'attribute_not_exists(PK)' } : {}) },
    })),
    ...events.map((e) => ({
      Put: {
        TableName: table,
        Item: { ...keys.event(id, e.seq), kind: KIND.event, event: e },
        ConditionExpression: 'attribute_not_exists(PK)',
      },
    })),
  ];
  if (transactItems.length > 100) throw new Error(`A change of ${transactItems.length} items exceeds one transaction`);
  return { state, events, transactItems };
}
