/**
 * Every write exactly once under DynamoDB faults, tested from outside.
 *
 * The local hub runs in this process with its DYNAMODB_ENDPOINT pointed at a fault
 * proxy (test/support/fault-proxy.ts) in front of DynamoDB Local, so what is tested
 * is what a council's system sees over HTTP, whatever the write path looks like
 * inside. The proxy loses responses after commit, loses requests before commit,
 * throttles, cancels transactions with TransactionConflict, answers 500 and adds
 * latency, for a seeded fraction of DynamoDB calls; for about one write in 16 it
 * loses every commit answer of the client's first attempt (the hub settles it by
 * reading its write marker); and for about one in 24 it cuts the hub off after the
 * commit: the marker reads fail too (and a few more calls), so the hub must answer
 * 5xx and only the client's retry with its key can settle it.
 *
 * 1. A fast-check property: random sequences over every write route (membership,
 *    agreements, money, bulk costs) by five councils, each write sent by a careful client
 *    (test/support/fault-client.ts: Idempotency-Key; on no answer, 5xx, 409
 *    idempotency_in_progress or 503 the same request again, bounded). After each
 *    write, with faults off, the challenge is read back over HTTP and judged
 *    (test/support/fault-checks.ts): an acknowledged write is recorded exactly once
 *    and is the one answered; a refused one changed nothing; one whose outcome
 *    stayed unknown at most once (a cost batch: one entry and one CostRecorded per
 *    cost, all or none, whatever the retries); the ledger invariants hold (allocations sum to
 *    amounts, balances to pool cash, figures = a replay through applyEntry); the
 *    feed is gapless with one event per change. Three sequences run side by side,
 *    each on its own challenge, to share the waits: 4 runs x 3 x (13 + 71) = 1,008
 *    writes. The summary prints the faults by kind, the client's retries (there
 *    must be some: the cut-off steps need them) and the defects.
 * 2. One readable test each for a cost, a receipt, a commitment and a reversal
 *    whose TransactWriteItems response is lost after commit: once (the SDK's retry
 *    replays it), once followed by a TransactionConflict on the SDK's retry (no
 *    client retry), on every attempt (then the client's retry if the hub answered
 *    5xx), and with the hub cut off from DynamoDB after the commit (it must answer
 *    5xx; the client's retry with its key settles it).
 *
 *   FAULT_SEED   replay a seed (printed at the start and on failure)
 *   FAULT_PATH   with FAULT_SEED, replay one run (printed on failure)
 *   FAULT_RUNS   runs (default 4)     FAULT_LANES  sequences side by side (default 3)
 *   FAULT_STEPS  random writes per sequence, after a 13-write prologue (default 71)
 *   FAULT_RATE   share of TransactWriteItems calls faulted (default 0.3; others get a sixth)
 *   FAULT_KEEP_GOING=1  do not stop at the first defective run: run them all, then fail
 *                       with the tally of defects by kind (for measuring)
 *
 * Faults follow the seed per challenge, so a replay injects the same faults into the
 * same transactions; calls that name no challenge (Powertools' records) draw from one
 * series shared by the lanes, so those may land differently on a replay.
 */
import { createHash, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { COUNCILS, registerCouncils } from '../support/councils';
import { attemptTrail, sendOnce, sendWithRetries, type KeyedRequest, type Outcome } from '../support/fault-client';
import { ChallengeWatcher, judge, type Defect, type Effect } from '../support/fault-checks';
import { describeCounts, FAULT_KINDS, startFaultProxy, type FaultKind, type FaultProxy, type RuleHandle } from '../support/fault-proxy';
import { startTestHub, type TestHub } from '../support/hub';
import { expectLedgerSound } from '../support/invariants';
import { Callers } from '../support/money';
import { apportion } from '../support/reference-money';

const RUNS = Number(process.env.FAULT_RUNS ?? 4);
const LANES = Number(process.env.FAULT_LANES ?? 3);
const STEPS = Number(process.env.FAULT_STEPS ?? 71);
const RATE = Number(process.env.FAULT_RATE ?? 0.3);
const SEED = process.env.FAULT_SEED ? Number(process.env.FAULT_SEED) : (Date.now() ^ (process.pid << 16)) >>> 0;
const KEEP_GOING = process.env.FAULT_KEEP_GOING === '1';

/** Five real councils; the first creates every challenge and never leaves, so its feed is the whole feed. */
const CODES = Object.values(COUNCILS).map((c) => c.code);
const ANCHOR = CODES[0]!;

/**
 * The faults, per DynamoDB operation, on the calls only writes make (so the checks'
 * reads never meet a fault while the sequences run side by side). Transactions,
 * where every challenge write commits, get all six kinds, weighted towards those
 * whose outcome is in doubt. Throttles are rarer only because the SDK waits 0.5-1 s
 * on each (its throttling delay base is 1 s) and to the hub they are the same as a
 * request lost before commit. Powertools' idempotency records get only faults whose
 * outcome is not in doubt: a lost lock write would strand its key for the lock's
 * lifetime (~29 s here), which is not what this suite measures. Faults on reads are
 * covered by test/faults/fault-proxy.test.ts; here only the cut-off steps fault reads
 * (see `cutOff`), and only a write's own while it runs, aimed by its challenge id and
 * its marker's key, so the checks' reads still meet none.
 */
const plans = (rate: number) => {
  const notInDoubt = { rate: rate / 6, kinds: { internalError: 2, lostBeforeCommit: 2, latency: 3, throttle: 0.5 } };
  return {
    TransactWriteItems: { rate, kinds: { lostAfterCommit: 3, transactionConflict: 3, lostBeforeCommit: 2, internalError: 2, latency: 2, throttle: 0.5 } },
    PutItem: notInDoubt,
    UpdateItem: notInDoubt,
    DeleteItem: notInDoubt,
  };
};

let proxy: FaultProxy;
let hub: TestHub;
let callers: Callers;
const direct = () => ({ dynamodbEndpoint: inject('dynamodbEndpoint'), tableName: hub.tableName });

beforeAll(async () => {
  proxy = await startFaultProxy({ target: inject('dynamodbEndpoint'), seed: SEED, plans: {}, enabled: false });
  hub = await startTestHub({ dynamodbEndpoint: proxy.url });
  callers = new Callers(hub);
  await registerCouncils(hub, Object.values(COUNCILS));
});
afterAll(async () => {
  await hub?.stop();
  await proxy?.stop();
});

/** A public challenge created by the anchor council (faults off: creation is not under test). */
async function newChallenge(title: string): Promise<string> {
  const res = await hub.call('POST', '/v1/challenges', { token: await callers.officer(ANCHOR), body: { title, visibility: 'public' } });
  if (res.status !== 201) throw new Error(`create challenge: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}

const watcherFor = async (id: string) => {
  const token = await callers.officer(ANCHOR);
  const watcher = new ChallengeWatcher((path) => hub.call('GET', path, { token }), id);
  const { violations } = await watcher.refresh();
  if (violations.length) throw new Error(`a new challenge already breaks invariants: ${violations.join('; ')}`);
  return watcher;
};

// --- the operations, as plain data (a counterexample prints readably) ------

type Role = 'partner' | 'observer';
type Op =
  | { op: 'invite'; k: number; role: Role }
  | { op: 'joinRequest'; k: number; role: Role }
  | { op: 'accept'; k: number }
  | { op: 'decline'; k: number }
  | { op: 'withdraw'; k: number }
  | { op: 'transferLead'; k: number }
  | { op: 'propose'; basis: 'equal' | 'population' | 'pledge' | 'custom'; weights: number[] }
  | { op: 'approve'; k: number }
  | { op: 'reject'; k: number }
  | { op: 'pledge'; k: number; amount: number | 'same' }
  | { op: 'commit'; k: number; permille: number }
  | { op: 'receive'; k: number; permille: number }
  | { op: 'cost'; amount: number }
  | { op: 'costBatch'; amounts: number[] }
  | { op: 'reverse'; k: number };

const k = fc.nat({ max: 19 });
const role = fc.constantFrom<Role>('partner', 'partner', 'observer');
const permille = fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 1, max: 1_000 }) }, { weight: 1, arbitrary: fc.integer({ min: 1_001, max: 1_500 }) });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('invite' as const), k, role }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('joinRequest' as const), k, role }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('accept' as const), k }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('decline' as const), k }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('withdraw' as const), k }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('transferLead' as const), k }) },
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant('propose' as const),
      basis: fc.constantFrom('equal' as const, 'population' as const, 'pledge' as const, 'custom' as const, 'custom' as const),
      weights: fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 10, maxLength: 10 }),
    }),
  },
  { weight: 9, arbitrary: fc.record({ op: fc.constant('approve' as const), k }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('reject' as const), k }) },
  {
    weight: 7,
    arbitrary: fc.record({
      op: fc.constant('pledge' as const),
      k,
      amount: fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 0, max: 2_000_000 }) }, { weight: 1, arbitrary: fc.constant('same' as const) }),
    }),
  },
  { weight: 10, arbitrary: fc.record({ op: fc.constant('commit' as const), k, permille }) },
  { weight: 9, arbitrary: fc.record({ op: fc.constant('receive' as const), k, permille }) },
  { weight: 14, arbitrary: fc.record({ op: fc.constant('cost' as const), amount: fc.integer({ min: 1, max: 250_000 }) }) },
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constant('costBatch' as const),
      // Mostly a few costs; now and then one near the limit for the consortium's size
      // ((98 - members) / 2: 46 to 48 fit or not, 422 batch_too_large), in one transaction.
      amounts: fc.oneof(
        { weight: 12, arbitrary: fc.array(fc.integer({ min: 1, max: 120_000 }), { minLength: 1, maxLength: 6 }) },
        { weight: 1, arbitrary: fc.array(fc.integer({ min: 1, max: 20_000 }), { minLength: 45, maxLength: 48 }) },
      ),
    }),
  },
  { weight: 5, arbitrary: fc.record({ op: fc.constant('reverse' as const), k }) },
);

/**
 * A step: a write and, for about 1 in 16, a "Lambda timeout after commit": every
 * TransactWriteItems answer of the client's first attempt is lost (its commits
 * happen), so the hub cannot know and the client must retry with its key. About 1
 * in 24 is instead "cut off" after its commit (see `cutOff`): the hub's first
 * invocation can settle nothing and answers 5xx, and only the client's retry with
 * its key can tell what happened.
 */
interface Step {
  op: Op;
  timeout: boolean;
  cutoff?: Cut;
}
/**
 * How a cut-off invocation fails: its commit's answer is lost, and the SDK's retry of
 * it too (`commit: 'lost'`) or that retry meets a TransactionConflict; every read of
 * its write marker gets `marker`; `window` further calls on its challenge are lost.
 */
interface Cut {
  commit: 'lost' | 'conflict';
  marker: FaultKind;
  window: number;
}
const cutArb: fc.Arbitrary<Cut> = fc.record({
  commit: fc.constantFrom('lost' as const, 'conflict' as const),
  marker: fc.constantFrom<FaultKind>('lostAfterCommit', 'lostBeforeCommit', 'internalError'),
  window: fc.oneof({ weight: 2, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 6 }) }),
});
// Explicit weights (fc.integer leans to small values): 3 in 48 timeouts, 2 in 48 cut off.
const lossArb = fc.oneof(
  { weight: 43, arbitrary: fc.constant('none' as const) },
  { weight: 3, arbitrary: fc.constant('timeout' as const) },
  { weight: 2, arbitrary: fc.constant('cutoff' as const) },
);
const stepArb: fc.Arbitrary<Step> = fc
  .record({ op: opArb, loss: lossArb, cut: cutArb })
  .map(({ op, loss, cut }) => ({ op, timeout: loss === 'timeout', ...(loss === 'cutoff' ? { cutoff: cut } : {}) }));

/** One run: a sequence per lane. Printed as a summary: the failure message lists the steps that matter. */
const runArb = fc
  .array(fc.array(stepArb, { minLength: STEPS, maxLength: STEPS }), { minLength: LANES, maxLength: LANES })
  .map((sequences) => Object.assign(sequences, { [fc.toStringMethod]: () => `${sequences.length} sequences of ${STEPS} writes` }));

/** Every sequence starts by forming a consortium of three with money in it, under faults like the rest. */
const PROLOGUE: Op[] = [
  { op: 'invite', k: 0, role: 'partner' },
  { op: 'invite', k: 0, role: 'partner' },
  { op: 'accept', k: 0 },
  { op: 'accept', k: 0 },
  { op: 'propose', basis: 'equal', weights: [] },
  { op: 'approve', k: 0 },
  { op: 'approve', k: 0 },
  ...[0, 1, 2].map((i): Op => ({ op: 'pledge', k: i, amount: 1_500_000 })),
  ...[0, 1, 2].map((i): Op => ({ op: 'commit', k: i, permille: 700 })),
];

interface Resolved {
  label: string;
  req: Omit<KeyedRequest, 'key'>;
  effect: Effect;
}

const pick = <T>(items: T[], i: number): T | undefined => (items.length ? items[i % items.length] : undefined);

/** Turns an abstract op into a request against the challenge as it stands (read by the watcher). */
async function resolve(op: Op, w: ChallengeWatcher, tag: string): Promise<Resolved> {
  const id = w.challengeId;
  const base = `/v1/challenges/${id}`;
  const lead = w.lead;
  const members = w.state.members;
  const status = (c: string) => w.memberStatus(c);
  const outsiders = CODES.filter((c) => !['active', 'invited', 'requested'].includes(status(c) ?? 'none'));
  const pending = members.filter((m) => m.status === 'invited' || m.status === 'requested');
  const funding = w.funding();
  const about = (council: string) => (e: any) => e.data.council === council;
  const entryIs = (e: any, body: any) => e.data.entryId === body?.id;
  const money = (primary: string, entry: string): Effect => ({ primary, entry, belongs: entryIs });
  // When nothing fits, a request the hub must refuse: it still tests "a refusal changes nothing".
  const anyOther = (i: number) => pick(CODES.filter((c) => c !== lead), i)!;

  switch (op.op) {
    case 'invite': {
      const council = pick(outsiders, op.k) ?? anyOther(op.k);
      return {
        label: `invite ${council} as ${op.role}`,
        req: { method: 'POST', path: `${base}/invitations`, token: await callers.officer(lead), body: { council, role: op.role } },
        effect: { primary: 'MemberInvited', belongs: about(council) },
      };
    }
    case 'joinRequest': {
      const council = pick(outsiders, op.k) ?? anyOther(op.k);
      return {
        label: `${council} asks to join as ${op.role}`,
        req: { method: 'POST', path: `${base}/join-requests`, token: await callers.officer(council), body: { role: op.role } },
        effect: { primary: 'MemberJoinRequested', belongs: about(council) },
      };
    }
    case 'accept':
    case 'decline': {
      const m = pick(pending, op.k);
      const council = m?.council ?? anyOther(op.k);
      const answerer = m?.status === 'invited' ? council : lead;
      return {
        label: `${op.op} ${council}${m ? ` (${m.status})` : ''}`,
        req: { method: 'POST', path: `${base}/members/${council}/${op.op}`, token: await callers.officer(answerer) },
        effect: { primary: op.op === 'accept' ? 'MemberJoined' : 'MemberDeclined', belongs: about(council) },
      };
    }
    case 'withdraw': {
      // Never the anchor: its feed must stay the whole feed.
      const leavers = members.filter((m) => m.status === 'active' && m.role !== 'lead' && m.council !== ANCHOR).map((m) => m.council);
      const council = pick(leavers, op.k) ?? pick(outsiders, op.k) ?? anyOther(op.k);
      if (council === ANCHOR) return resolve({ op: 'cost', amount: 1 + op.k }, w, tag);
      return {
        label: `withdraw ${council}`,
        req: { method: 'POST', path: `${base}/members/${council}/withdraw`, token: await callers.officer(council) },
        effect: { primary: 'MemberWithdrew', belongs: about(council) },
      };
    }
    case 'transferLead': {
      const partners = members.filter((m) => m.status === 'active' && m.role === 'partner').map((m) => m.council);
      const council = pick(partners, op.k) ?? anyOther(op.k);
      return {
        label: `transfer lead ${lead} -> ${council}`,
        req: { method: 'POST', path: `${base}/lead`, token: await callers.officer(lead), body: { council } },
        effect: { primary: 'LeadTransferred', belongs: (e) => e.data.to === council },
      };
    }
    case 'propose': {
      let body: { basis: string; shares?: unknown } = { basis: op.basis };
      if (op.basis === 'custom') {
        const cost = apportion(10_000, funding.map((c, i) => [c, (op.weights[i] ?? 0) + 1] as const));
        const risk = apportion(10_000, funding.map((c, i) => [c, (op.weights[9 - i] ?? 0) + 1] as const));
        body = { basis: 'custom', shares: funding.map((c) => ({ council: c, costBps: cost.get(c)!, riskBps: risk.get(c)! })) };
      }
      return {
        label: `propose ${op.basis} for ${funding.join(',')}`,
        req: { method: 'POST', path: `${base}/share-agreements`, token: await callers.officer(lead), body },
        effect: { primary: 'ShareAgreementProposed', optional: ['ShareAgreementActivated'], belongs: (e, b) => e.data.version === b?.version },
      };
    }
    case 'approve':
    case 'reject': {
      const open = w.state.agreements.filter((a) => a.status === 'pending').at(-1) ?? w.state.agreements.at(-1);
      const version = open?.version ?? 1;
      const named: string[] = (open?.shares ?? []).map((s: any) => s.council).filter((c: string) => c !== lead && funding.includes(c));
      const waiting = named.filter((c) => !(open?.approvals ?? []).includes(c));
      const council = pick(waiting, op.k) ?? pick(named, op.k) ?? anyOther(op.k);
      const already = (open?.approvals ?? []).includes(council);
      const body = op.op === 'reject' ? { reason: `Not this split (${tag})` } : undefined;
      return {
        label: `${op.op} v${version} by ${council}${already ? ' (again)' : ''}`,
        req: { method: 'POST', path: `${base}/share-agreements/${version}/${op.op}`, token: await callers.officer(council), ...(body ? { body } : {}) },
        effect:
          op.op === 'approve'
            ? { primary: 'ShareAgreementApproved', optional: ['ShareAgreementActivated'], belongs: (e) => e.data.version === version && e.data.council === council, noop: () => already }
            : { primary: 'ShareAgreementRejected', belongs: (e) => e.data.version === version && e.data.council === council },
      };
    }
    case 'pledge': {
      const council = pick(funding, op.k) ?? anyOther(op.k);
      const f = w.figures(council);
      const amount = op.amount === 'same' ? f.pledgedPence : op.amount;
      return {
        label: `pledge ${council} ${amount} (was ${f.pledgedPence}, committed ${f.committedPence})`,
        req: { method: 'PUT', path: `${base}/pledges/${council}`, token: await callers.finance(council), body: { amountPence: amount } },
        // The same amount again records nothing and answers with the entry that set it.
        effect: { ...money('PledgeSet', 'pledge'), noop: (b, d) => d.before.has(b?.id) },
      };
    }
    case 'commit': {
      const roomy = funding.filter((c) => w.figures(c).pledgedPence > w.figures(c).committedPence);
      const council = pick(roomy, op.k) ?? pick(funding, op.k) ?? anyOther(op.k);
      const f = w.figures(council);
      const amount = Math.max(1, Math.floor(((f.pledgedPence - f.committedPence) * op.permille) / 1000));
      return {
        label: `commit ${council} ${amount} (room ${f.pledgedPence - f.committedPence})`,
        req: { method: 'POST', path: `${base}/commitments`, token: await callers.finance(council), body: { amountPence: amount, reference: `PO-${tag}` } },
        effect: money('CommitmentRecorded', 'commitment'),
      };
    }
    case 'receive': {
      const owing = funding.filter((c) => w.figures(c).committedPence > w.figures(c).receivedPence);
      const council = pick(owing, op.k) ?? pick(funding, op.k) ?? anyOther(op.k);
      const f = w.figures(council);
      const amount = Math.max(1, Math.floor(((f.committedPence - f.receivedPence) * op.permille) / 1000));
      return {
        label: `receive ${amount} from ${council} (owing ${f.committedPence - f.receivedPence})`,
        req: { method: 'POST', path: `${base}/receipts`, token: await callers.finance(lead), body: { council, amountPence: amount, reference: `BACS-${tag}` } },
        effect: money('ReceiptRecorded', 'receipt'),
      };
    }
    case 'cost':
      return {
        label: `cost ${op.amount}`,
        req: { method: 'POST', path: `${base}/costs`, token: await callers.finance(lead), body: { amountPence: op.amount, description: `Spend ${tag}`, supplier: 'Acme Ltd' } },
        effect: money('CostRecorded', 'cost'),
      };
    case 'costBatch': {
      const costs = op.amounts.map((amountPence, i) => ({
        amountPence,
        description: `Batch ${tag} #${i + 1}`,
        ...(i % 2 ? { category: 'Works' } : { supplier: 'Acme Ltd' }),
      }));
      const items = (b: any): any[] => (Array.isArray(b?.items) ? b.items : []);
      const total = op.amounts.reduce((acc, a) => acc + a, 0);
      return {
        label: `cost batch of ${costs.length} (${total})`,
        req: { method: 'POST', path: `${base}/costs:batch`, token: await callers.finance(lead), body: { costs } },
        // One cost entry and one CostRecorded per cost, all or none; the answer lists the entries in order.
        effect: {
          primary: 'CostRecorded',
          entry: 'cost',
          times: costs.length,
          answered: (b) => items(b).map((e) => e.id),
          belongs: (e, b) => items(b).some((x) => x.id === e.data.entryId),
          entriesMatch: (entries) => {
            const asked = costs.map((c) => `${c.amountPence} ${c.description}`).join(' | ');
            const got = entries.map((e) => `${e.amountPence} ${e.description}`).join(' | ');
            return asked === got ? undefined : `asked ${asked}; recorded ${got}`;
          },
        },
      };
    }
    case 'reverse': {
      const costs = w.state.entries.filter((e) => e.type === 'cost');
      const fresh = costs.filter((e) => !e.reversed);
      // Mostly a cost not yet reversed; sometimes one that was (409 already_reversed).
      const cost = op.k % 5 === 0 ? pick(costs, op.k) : (pick(fresh, op.k) ?? pick(costs, op.k));
      if (!cost) return resolve({ op: 'cost', amount: 1_000 + op.k }, w, tag);
      return {
        label: `reverse ${cost.id} (${cost.amountPence}${cost.reversed ? ', already reversed' : ''})`,
        req: { method: 'POST', path: `${base}/costs/${cost.id}/reverse`, token: await callers.finance(lead), body: { reason: `Correction ${tag}` } },
        effect: money('CostReversed', 'cost_reversal'),
      };
    }
  }
}

// --- the property ----------------------------------------------------------

const kindsOf = (counts: Partial<Record<FaultKind, number>> | undefined) => ({ ...Object.fromEntries(FAULT_KINDS.map((kd) => [kd, 0])), ...counts }) as Record<FaultKind, number>;
const kindsDiff = (before: Record<FaultKind, number>, after: Record<FaultKind, number>) =>
  FAULT_KINDS.filter((kd) => after[kd] > before[kd]).map((kd) => `${kd}×${after[kd] - before[kd]}`).join(' ') || 'no faults';

/**
 * The hub's write marker for a keyed request: `WRITE#<writeId>`, the id being
 * sha256(sub + "\n" + Idempotency-Key) (writeIdFor in shared/http/idempotency.ts), so
 * the proxy can aim at this write's marker reads among every lane's.
 */
function markerOf(token: string, key: string): string {
  const { sub } = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { sub: string };
  return `"WRITE#${createHash('sha256').update(`${sub}\n${key}`).digest('hex')}"`;
}

/**
 * A Lambda cut off from DynamoDB right after its commit, for the client's first
 * attempt: the transaction commits unheard, and until the hub turns to the write
 * marker the SDK's retries of it are lost too (or the second meets a
 * TransactionConflict, `cut.commit`); every read of that marker then fails
 * (`cut.marker`, the SDK's retries included), and `cut.window` further calls on the
 * challenge (its state read, its transaction) go unanswered too. However the hub goes
 * on (read the state again, decide again, find its own marker in the way), it cannot
 * learn the outcome in this invocation, so it must answer 5xx; the client's retry with
 * its key must then find the write done, once. (Calls on Powertools' idempotency record are left alone: a
 * lock stranded by a lost write would only make the retry wait out its expiry.)
 */
function cutOff(challengeId: string, marker: string, cut: Cut): RuleHandle[] {
  let cutting = false;
  let window = cut.window;
  const window$ = new Set(['Query', 'GetItem', 'TransactWriteItems', 'TransactGetItems', 'BatchGetItem']);
  return [
    proxy.addRule({
      match: (r) => r.operation === 'GetItem' && r.body.includes(marker) && (cutting = true),
      kinds: [cut.marker],
      then: 'repeat-last',
    }),
    proxy.addRule({
      match: (r) => !cutting && r.operation === 'TransactWriteItems' && r.body.includes(challengeId),
      kinds: cut.commit === 'lost' ? ['lostAfterCommit'] : ['lostAfterCommit', 'transactionConflict'],
      then: 'repeat-last',
    }),
    proxy.addRule({
      match: (r) => cutting && window > 0 && window$.has(r.operation) && r.body.includes(challengeId) && window-- > 0,
      kinds: ['lostAfterCommit'],
      then: 'repeat-last',
    }),
  ];
}

interface Tally {
  operations: number;
  acknowledged: number;
  refused: number;
  gaveUp: number;
  /** Steps the client sent more than once, and the extra attempts it made in all. */
  clientRetried: number;
  clientRetries: number;
  /** Steps whose first invocation lost every commit answer. */
  timeouts: number;
  /** Steps cut off after their commit; of those, how many the hub's first answer was a 5xx for (so the client's retry settled them), how many ended acknowledged, and how many of those as a replay. */
  cutoffs: number;
  cutoff5xx: number;
  cutoffAcked: number;
  cutoffReplayed: number;
  /** Time the lanes spent writing (with faults and retries) and checking, summed over lanes, ms. */
  writeMs: number;
  checkMs: number;
  defects: Map<string, number>;
  /** Defects by kind and operation, e.g. "duplicate on cost (every commit answer lost)". */
  byOp: Map<string, number>;
  /** Final answers by operation: acknowledged / refused / unknown. */
  outcomes: Map<string, [number, number, number]>;
  examples: string[];
}

/**
 * One sequence of writes on a challenge of its own: resolve the next op against what
 * the watcher last read, send it with retries (faults on), read back and judge.
 * Sequences of a run go side by side to share the waits for DynamoDB; the checks'
 * reads meet no faults because only calls that writes make are faulted.
 */
class Lane {
  readonly found: string[] = [];
  readonly log: string[] = [];

  constructor(readonly name: string, readonly watcher: ChallengeWatcher, readonly sequence: Step[], private readonly tally: Tally) {}

  get id() {
    return this.watcher.challengeId;
  }

  private faults() {
    return kindsOf(proxy.counts.byStream[this.id]);
  }

  /** Runs the sequence; stops early when `stop()` says so (another lane found a defect). */
  async run(stop: () => boolean): Promise<void> {
    for (const [step, { op, timeout, cutoff }] of this.sequence.entries()) {
      if (stop()) return;
      const tag = `${this.name}-${step}`;
      const resolved = await resolve(op, this.watcher, tag);
      const faultsBefore = this.faults();
      const t0 = performance.now();
      const key = `fault-${SEED}-${tag}-${randomUUID().slice(0, 8)}`;
      // A "Lambda timeout after commit": every transaction of the first invocation commits unheard.
      // Or, cut off: that and nothing else the first invocation asks about it is answered either.
      let lost: RuleHandle[] = [];
      const clear = () => {
        for (const rule of lost) rule.clear();
        lost = [];
      };
      const outcome = await sendWithRetries(
        hub.url,
        { ...resolved.req, key },
        {
          beforeAttempt: (attempt) => {
            if (attempt === 1 && timeout) lost = [proxy.loseEveryResponse((r) => r.operation === 'TransactWriteItems' && r.body.includes(this.id))];
            if (attempt === 1 && cutoff) lost = cutOff(this.id, markerOf(resolved.req.token, key), cutoff);
            if (attempt === 2) clear();
          },
        },
      ).finally(clear);
      const t1 = performance.now();
      const { delta, violations } = await this.watcher.refresh('changed');
      const t = this.tally;
      t.writeMs += t1 - t0;
      t.checkMs += performance.now() - t1;
      const defects: Defect[] = [...judge(resolved.effect, outcome, delta), ...violations.map((v) => ({ kind: 'invariant' as const, detail: v }))];
      t.operations++;
      const byOp = t.outcomes.get(op.op) ?? [0, 0, 0];
      byOp[outcome.final === 'ack' ? 0 : outcome.final === 'refused' ? 1 : 2]++;
      t.outcomes.set(op.op, byOp);
      if (outcome.final === 'ack') t.acknowledged++;
      else if (outcome.final === 'refused') t.refused++;
      else t.gaveUp++;
      if (outcome.attempts.length > 1) t.clientRetried++;
      t.clientRetries += outcome.attempts.length - 1;
      if (timeout) t.timeouts++;
      if (cutoff) {
        t.cutoffs++;
        const first = outcome.attempts[0]!.status;
        if (first === 'transport' || first >= 500) t.cutoff5xx++;
        if (outcome.final === 'ack') t.cutoffAcked++;
        if (outcome.final === 'ack' && outcome.replayed) t.cutoffReplayed++;
      }
      const how = timeout
        ? 'every commit answer lost'
        : cutoff
          ? `cut off after its commit: its SDK retry ${cutoff.commit === 'lost' ? 'lost' : 'in conflict'}, marker reads ${cutoff.marker}, ${cutoff.window} more calls lost`
          : '';
      const line = `step ${step + 1}: ${resolved.label} -> ${attemptTrail(outcome)} [${how ? `${how}; ` : ''}${kindsDiff(faultsBefore, this.faults())}] ${delta.events.map((e) => e.type).join(',') || '(no change)'}`;
      this.log.push(line);
      for (const d of defects) this.defect(d.kind, `${d.detail}\n      at ${line}`, `${op.op}${how ? ` (${how.split(':')[0]})` : ''}`);
    }
  }

  defect(kind: string, detail: string, op = 'end of sequence') {
    this.tally.defects.set(kind, (this.tally.defects.get(kind) ?? 0) + 1);
    const where = `${kind} on ${op}`;
    this.tally.byOp.set(where, (this.tally.byOp.get(where) ?? 0) + 1);
    this.found.push(`${kind}: ${detail}`);
  }

  /** Everything read back once more, then what the API cannot show (reversal markers, totals on the challenge item) from the table. */
  async finish(): Promise<void> {
    const { violations } = await this.watcher.refresh('all');
    for (const v of violations) this.defect('invariant', `${v}\n      at the end of the sequence`);
    if (!this.found.length) await expectLedgerSound(direct(), this.id, `at the end of ${this.name}`);
  }
}

describe('every write exactly once under DynamoDB faults (fast-check, black-box)', () => {
  const perRun = LANES * (PROLOGUE.length + STEPS);
  it(`holds over ${RUNS} runs of ${LANES} sequences of ${PROLOGUE.length}+${STEPS} writes, ${RATE * 100}% of transactions faulted (seed ${SEED})`, async () => {
    console.info(`write-path-faults: seed ${SEED}, ${RUNS} runs x ${LANES} lanes x (${PROLOGUE.length} + ${STEPS}) writes, rate ${RATE} (replay: FAULT_SEED=${SEED})`);
    const started = Date.now();
    const tally: Tally = { operations: 0, acknowledged: 0, refused: 0, gaveUp: 0, clientRetried: 0, clientRetries: 0, timeouts: 0, cutoffs: 0, cutoff5xx: 0, cutoffAcked: 0, cutoffReplayed: 0, writeMs: 0, checkMs: 0, defects: new Map(), byOp: new Map(), outcomes: new Map(), examples: [] };
    const defectiveRuns: string[] = [];
    proxy.resetCounts();
    proxy.setPlans(plans(RATE));
    let run = process.env.FAULT_PATH ? Number(process.env.FAULT_PATH.split(':')[0]) : 0;

    await fc.assert(
      fc.asyncProperty(runArb, async (sequences) => {
        const thisRun = run++;
        const lanes = await Promise.all(
          sequences.map(async (steps, i) => {
            const name = `${thisRun}.${i}`;
            const watcher = await watcherFor(await newChallenge(`Faults ${SEED}/${name}`));
            return new Lane(name, watcher, [...PROLOGUE.map((op): Step => ({ op, timeout: false })), ...steps], tally);
          }),
        );
        // Each challenge gets its own seeded series of faults, whatever the interleaving (FAULT_PATH replays a run).
        proxy.reseed((SEED + thisRun * 7919) >>> 0);
        proxy.setStreamOf((r) => lanes.find((l) => r.body.includes(l.id))?.id ?? '');
        proxy.on();
        await Promise.all(lanes.map((l) => l.run(() => !KEEP_GOING && lanes.some((x) => x.found.length > 0)))).finally(() => proxy.off());
        await Promise.all(lanes.map((l) => l.finish()));
        proxy.setStreamOf(undefined);
        const found = lanes.flatMap((l) => l.found.map((f) => `lane ${l.name} ${f}`));
        if (found.length) {
          defectiveRuns.push(`run ${thisRun} (FAULT_SEED=${SEED} FAULT_PATH=${thisRun}): ${found.length} defects`);
          tally.examples.push(...found.slice(0, 4));
          if (!KEEP_GOING) {
            const last = lanes.filter((l) => l.found.length).map((l) => `lane ${l.name}, last steps:\n    ${l.log.slice(-8).join('\n    ')}`);
            throw new Error(`run ${thisRun} of seed ${SEED}:\n  ${found.join('\n  ')}\n${last.join('\n')}\n(replay: FAULT_SEED=${SEED} FAULT_PATH=${thisRun})`);
          }
        }
      }),
      {
        numRuns: RUNS,
        seed: SEED,
        ...(process.env.FAULT_PATH ? { path: process.env.FAULT_PATH } : {}),
        endOnFailure: true, // shrinking would replay against DynamoDB for minutes
      },
    ).finally(() => {
      proxy.setPlans({});
      proxy.setStreamOf(undefined);
      const defects = [...tally.defects].map(([kd, n]) => `${kd} ${n}`).join(', ') || 'none';
      console.info(
        `write-path-faults: seed ${SEED}: ${tally.operations} operations (${tally.acknowledged} acknowledged, ${tally.refused} refused, ${tally.gaveUp} unknown after retries; ` +
          `${tally.timeouts} with every commit answer of the first attempt lost, ${tally.cutoffs} cut off after their commit (${tally.cutoff5xx} answered 5xx first; ${tally.cutoffAcked} acknowledged in the end, ${tally.cutoffReplayed} as a replay); ` +
          `client retries: ${tally.clientRetries}, on ${tally.clientRetried} operations) in ${((Date.now() - started) / 1000).toFixed(1)} s ` +
          `(lane time writing ${(tally.writeMs / 1000).toFixed(1)} s, checking ${(tally.checkMs / 1000).toFixed(1)} s); ` +
          `${proxy.counts.requests.TransactWriteItems ?? 0} TransactWriteItems calls; ${describeCounts(proxy.counts)}; defects: ${defects}\n` +
          `  by operation (acknowledged/refused/unknown): ${[...tally.outcomes].sort().map(([o, [a, r, u]]) => `${o} ${a}/${r}/${u}`).join(', ')}`,
      );
      if (defectiveRuns.length) {
        const byOp = [...tally.byOp].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k}: ${n}`);
        console.info(`write-path-faults: defective runs:\n  ${defectiveRuns.join('\n  ')}\nby operation:\n  ${byOp.join('\n  ')}\nexamples:\n  ${tally.examples.join('\n  ')}`);
      }
    });
    if (KEEP_GOING) expect(defectiveRuns, `defects by kind: ${JSON.stringify(Object.fromEntries(tally.defects))}`).toEqual([]);
    if (!process.env.FAULT_PATH && RUNS * perRun >= 1_000) {
      expect(tally.operations).toBeGreaterThanOrEqual(1_000);
      // The cut-off steps exist so that the client's retry with its key is what settles a write: it must happen.
      expect(tally.cutoff5xx, `cut-off steps the hub answered 5xx for (of ${tally.cutoffs})`).toBeGreaterThan(0);
      expect(tally.clientRetries, 'client retries').toBeGreaterThan(0);
    }
  }, 900_000);
});

// --- lost responses, one readable case each -------------------------------

describe('a write whose TransactWriteItems response is lost after commit is recorded exactly once', () => {
  let id: string;
  let watcher: ChallengeWatcher;
  const [lead, b, c] = CODES as [string, string, string];

  beforeAll(async () => {
    proxy.setPlans({});
    id = await newChallenge('Lost responses');
    const token = (council: string) => callers.officer(council);
    const ok = async (method: string, path: string, who: string, body?: unknown, finance = false) => {
      const res = await hub.call(method, `/v1/challenges/${id}${path}`, { token: finance ? await callers.finance(who) : await token(who), ...(body ? { body } : {}) });
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    };
    for (const council of [b, c]) {
      await ok('POST', '/invitations', lead, { council, role: 'partner' });
      await ok('POST', `/members/${council}/accept`, council);
    }
    const proposed = await ok('POST', '/share-agreements', lead, { basis: 'equal' });
    for (const council of [b, c]) await ok('POST', `/share-agreements/${proposed.version}/approve`, council);
    for (const council of [lead, b, c]) {
      await ok('PUT', `/pledges/${council}`, council, { amountPence: 1_000_000_000 }, true);
      await ok('POST', '/commitments', council, { amountPence: 100_000_000 }, true);
    }
    watcher = await watcherFor(id);
  });

  type Kind = 'cost' | 'receipt' | 'commitment' | 'reversal';
  /** The write under test, with a text only its own TransactWriteItems carries (so the proxy can aim at it). */
  async function writeFor(kind: Kind, marker: string): Promise<{ req: KeyedRequest; type: string; event: string; find: (e: any) => boolean }> {
    const base = `/v1/challenges/${id}`;
    const key = `lost-${marker}`;
    switch (kind) {
      case 'cost':
        return {
          req: { method: 'POST', path: `${base}/costs`, token: await callers.finance(lead), body: { amountPence: 12_345, description: marker }, key },
          type: 'cost', event: 'CostRecorded', find: (e) => e.description === marker || e.data?.description === marker,
        };
      case 'receipt':
        return {
          req: { method: 'POST', path: `${base}/receipts`, token: await callers.finance(lead), body: { council: b, amountPence: 4_780, reference: marker }, key },
          type: 'receipt', event: 'ReceiptRecorded', find: (e) => e.reference === marker || e.data?.reference === marker,
        };
      case 'commitment':
        return {
          req: { method: 'POST', path: `${base}/commitments`, token: await callers.finance(c), body: { amountPence: 25_000, reference: marker }, key },
          type: 'commitment', event: 'CommitmentRecorded', find: (e) => e.reference === marker || e.data?.reference === marker,
        };
      case 'reversal': {
        // The cost to reverse is recorded with faults off; only the reversal is under test.
        const cost = await hub.call('POST', `${base}/costs`, { token: await callers.finance(lead), body: { amountPence: 9_999, description: `to reverse ${marker}` } });
        expect(cost.status).toBe(201);
        await watcher.refresh();
        return {
          req: { method: 'POST', path: `${base}/costs/${cost.body.id}/reverse`, token: await callers.finance(lead), body: { reason: marker }, key },
          type: 'cost_reversal', event: 'CostReversed', find: (e) => e.reason === marker || e.data?.reason === marker,
        };
      }
    }
  }

  /** Exactly one entry and one event for the write, the ones answered, and every invariant intact. */
  async function expectRecordedOnce(kind: Kind, write: Awaited<ReturnType<typeof writeFor>>, answer: { status: number | string; body: any }) {
    const { violations } = await watcher.refresh();
    const entries = watcher.state.entries.filter((e) => e.type === write.type && write.find(e));
    const events = watcher.state.events.filter((e) => e.type === write.event && write.find(e));
    expect({ entries: entries.length, events: events.length }, `${kind}: ledger entries and ${write.event} events for it`).toEqual({ entries: 1, events: 1 });
    expect(answer.status, `${kind}: the final answer ${JSON.stringify(answer.body)}`).toBe(201);
    expect(answer.body.id, `${kind}: the entry answered is the one recorded`).toBe(entries[0].id);
    expect(events[0].data.entryId).toBe(entries[0].id);
    expect(violations).toEqual([]);
  }

  const KINDS: Kind[] = ['cost', 'receipt', 'commitment', 'reversal'];
  const twiWith = (marker: string) => (r: { operation: string; body: string }) => r.operation === 'TransactWriteItems' && r.body.includes(marker);

  it.each(KINDS)('%s: lost once, no client retry (the SDK retries the same transaction)', async (kind) => {
    const marker = `${kind}-sdk-${randomUUID().slice(0, 8)}`;
    const write = await writeFor(kind, marker);
    const rule = proxy.addRule({ match: twiWith(marker), kinds: ['lostAfterCommit'] });
    proxy.on();
    const answer = await sendOnce(hub.url, write.req, JSON.stringify(write.req.body)).finally(() => proxy.off());
    rule.clear();
    expect(rule.hits[0]).toBe('lostAfterCommit');
    await expectRecordedOnce(kind, write, answer);
  });

  it.each(KINDS)('%s: lost, then the SDK retry meets a TransactionConflict; no client retry', async (kind) => {
    const marker = `${kind}-conflict-${randomUUID().slice(0, 8)}`;
    const write = await writeFor(kind, marker);
    // The first attempt commits unheard; the SDK's retry is cancelled, so the hub must find out what happened.
    const rule = proxy.addRule({ match: twiWith(marker), kinds: ['lostAfterCommit', 'transactionConflict'] });
    proxy.on();
    const answer = await sendOnce(hub.url, write.req, JSON.stringify(write.req.body)).finally(() => proxy.off());
    rule.clear();
    expect(rule.hits.slice(0, 2)).toEqual(['lostAfterCommit', 'transactionConflict']);
    await expectRecordedOnce(kind, write, answer);
  });

  it.each(KINDS)('%s: every attempt lost (as when the Lambda times out after its commit), then the client retries with the same key', async (kind) => {
    const marker = `${kind}-all-${randomUUID().slice(0, 8)}`;
    const write = await writeFor(kind, marker);
    const rule = proxy.loseEveryResponse(twiWith(marker));
    proxy.on();
    const first = await sendOnce(hub.url, write.req, JSON.stringify(write.req.body)).finally(() => proxy.off());
    rule.clear();
    expect(rule.hits.length).toBeGreaterThanOrEqual(1);
    expect(rule.hits.every((h) => h === 'lostAfterCommit')).toBe(true);
    // Today the hub answers 5xx here; a hub that settles the unknown outcome itself may answer 201 at once.
    expect(first.status === 201 || first.status >= 500, `first answer ${first.status} ${JSON.stringify(first.body)}`).toBe(true);
    const retried = first.status >= 500 ? await sendWithRetries(hub.url, write.req) : { status: first.status, body: first.body };
    await expectRecordedOnce(kind, write, retried);
  });

  it.each(KINDS)('%s: cut off from DynamoDB right after its commit, the hub answers 5xx; the client retries with the same key', async (kind) => {
    const marker = `${kind}-cut-${randomUUID().slice(0, 8)}`;
    const write = await writeFor(kind, marker);
    // From the write's commit on, every call the hub could use to do or check it goes unanswered,
    // so it cannot learn the outcome in this invocation. (Idempotency-record writes still pass:
    // a lock left behind would only make the retry wait for its expiry; crash-recovery tests that.)
    const cut = new Set(['TransactWriteItems', 'TransactGetItems', 'GetItem', 'Query', 'BatchGetItem']);
    let committed = false;
    const rule = proxy.addRule({
      match: (r) => (committed ? cut.has(r.operation) : (committed = twiWith(marker)(r))),
      kinds: ['lostAfterCommit'],
      then: 'repeat-last',
    });
    proxy.on();
    const first = await sendOnce(hub.url, write.req, JSON.stringify(write.req.body)).finally(() => proxy.off());
    rule.clear();
    expect(committed).toBe(true);
    expect(first.status, `first answer ${JSON.stringify(first.body)}`).toBeGreaterThanOrEqual(500);
    const retried = await sendWithRetries(hub.url, write.req);
    await expectRecordedOnce(kind, write, retried);
  }, 60_000);
});
