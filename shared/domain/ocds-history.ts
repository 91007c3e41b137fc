/**
 * Where the OCDS mapping's input comes from (docs/ocds.md, The routes): the hub's records for
 * the challenge's own package, and its event history for the feed. Pure: records and events
 * in, `OcdsInput` parts out; the reads are shared/store/ocds.ts's.
 */
import type { HubEvent } from '../schemas/events';
import type { Stage } from '../schemas/common';
import { activeAgreement } from './agreements';
import type { StoredEntry } from './ledger';
import { isOcdsFeedEvent, type OcdsAgreement, type OcdsChallenge, type OcdsCost, type OcdsInput, type OcdsMember, phaseOf } from './ocds';
import type { ChallengeRecord, ChallengeState } from './records';

/** An `OcdsInput` before the council register and the release's event are looked up. */
export type OcdsState = Omit<OcdsInput, 'asOf' | 'councils'>;

const challengeOf = (c: Omit<ChallengeRecord, 'seq' | 'version'> & { version?: number; seq?: number }): OcdsChallenge => ({
  id: c.id,
  title: c.title,
  statement: c.statement,
  howMightWe: c.howMightWe,
  outcomes: [...c.outcomes],
  themes: [...c.themes],
  visibility: c.visibility,
  procurementRoute: c.procurementRoute,
  ...(c.targetBudgetPence !== undefined ? { targetBudgetPence: c.targetBudgetPence } : {}),
  leadCouncil: c.leadCouncil,
  stage: c.stage,
  createdAt: c.createdAt,
  updatedAt: c.updatedAt,
});

/** A `cost` or `cost_reversal` ledger entry as the mapping reads it. */
export function ocdsCostOf(entry: Pick<StoredEntry, 'id' | 'type' | 'amountPence' | 'recordedAt'> & Partial<StoredEntry>): OcdsCost {
  if (entry.type !== 'cost' && entry.type !== 'cost_reversal') throw new Error(`entry ${entry.id} is a ${entry.type}, not a cost`);
  return {
    id: entry.id,
    type: entry.type,
    amountPence: entry.amountPence,
    allocations: (entry.allocations ?? []).map((a) => ({ council: a.council, costPence: a.costPence, riskPence: a.riskPence })),
    ...(entry.description !== undefined ? { description: entry.description } : {}),
    ...(entry.supplier !== undefined ? { supplier: entry.supplier } : {}),
    ...(entry.category !== undefined ? { category: entry.category } : {}),
    ...(entry.reference !== undefined ? { reference: entry.reference } : {}),
    ...(entry.reason !== undefined ? { reason: entry.reason } : {}),
    ...(entry.reversesId !== undefined ? { reversesId: entry.reversesId } : {}),
    recordedAt: entry.recordedAt,
  };
}

/** The challenge's state (one Query of `S#`) as the mapping's input; costs are added by the caller. */
export function ocdsStateOf(state: ChallengeState): Omit<OcdsState, 'costs'> {
  const agreement = activeAgreement(state);
  return {
    challenge: challengeOf(state.challenge),
    members: state.members
      .map((m) => ({ council: m.council, role: m.role, status: m.status, committedPence: m.committedPence ?? 0 }))
      .sort((a, b) => (a.council < b.council ? -1 : 1)),
    ...(agreement ? { agreement: { version: agreement.version, shares: agreement.shares.map((s) => ({ council: s.council, costBps: s.costBps, riskBps: s.riskBps })) } } : {}),
  };
}

/** Whether the release publishes spend, so the cost entries must be read (docs/ocds.md, Spend). */
export const publishesSpend = (stage: Stage, cancelledFrom?: Stage) => phaseOf(stage, cancelledFrom).contract !== undefined;

/** The councils a release names: its budget lines (funding members, and former ones still holding commitments). */
export const councilsNamed = (members: readonly OcdsMember[]) =>
  members.filter((m) => (m.status === 'active' && m.role !== 'observer') || m.committedPence !== 0).map((m) => m.council);

/** One point of the feed: a feed event and the challenge's state just after it. */
export interface OcdsFeedPoint {
  event: HubEvent;
  state: OcdsState;
}

/**
 * Folds a challenge's events (seq 1 onwards, gapless) into its state at each feed event
 * (a stage change or an agreement activation) after seq `after` at which the challenge was
 * public: what `ocdsStateOf` gives for the records as they stood just after that event.
 */
export function foldFeedPoints(events: readonly HubEvent[], after = 0): OcdsFeedPoint[] {
  const points: OcdsFeedPoint[] = [];
  replay(events, (event, state) => {
    if (event.seq > after && isOcdsFeedEvent(event.type) && state().challenge.visibility === 'public') points.push({ event, state: state() });
  });
  return points;
}

/** The state after all of `events` (seq 1 onwards, gapless), as `ocdsStateOf` and the cost entries give it. */
export function ocdsStateFromEvents(events: readonly HubEvent[]): OcdsState | undefined {
  let last: (() => OcdsState) | undefined;
  replay(events, (_, state) => (last = state));
  return last?.();
}

/**
 * The fold. Event types that change nothing the mapping reads (approvals, rejections,
 * pledges, receipts...) are passed over, and so is any type this code does not know yet.
 * `seen` is called after each event with a function that copies the state as it then is
 * (call it before the next event: it reads the fold's running state).
 */
function replay(events: readonly HubEvent[], seen: (event: HubEvent, state: () => OcdsState) => void): void {
  let challenge: OcdsChallenge | undefined;
  const members = new Map<string, OcdsMember>();
  const proposed = new Map<number, OcdsAgreement>();
  let agreement: OcdsAgreement | undefined;
  const costs: OcdsCost[] = [];
  const member = (council: string, change: Partial<OcdsMember>) => {
    const before = members.get(council) ?? { council, role: 'partner', status: 'invited', committedPence: 0 };
    members.set(council, { ...before, ...change });
  };

  events.forEach((event, i) => {
    if (event.seq !== i + 1) throw new Error(`event ${event.id} has seq ${event.seq}, expected ${i + 1}: the history must start at 1 without gaps`);
    if (event.type === 'ChallengeCreated') {
      challenge = challengeOf(event.data.challenge);
      member(challenge.leadCouncil, { role: 'lead', status: 'active' });
    } else if (challenge === undefined) {
      throw new Error(`challenge ${event.challengeId}: event ${event.seq} comes before its ChallengeCreated`);
    }
    switch (event.type) {
      case 'ChallengeUpdated':
        challenge = challengeOf(event.data.challenge);
        break;
      case 'ChallengeStageChanged':
        challenge = { ...challenge!, stage: event.data.to, updatedAt: event.occurredAt };
        break;
      case 'MemberInvited':
        member(event.data.council, { role: event.data.role, status: 'invited' });
        break;
      case 'MemberJoinRequested':
        member(event.data.council, { role: event.data.role, status: 'requested' });
        break;
      case 'MemberJoined':
        member(event.data.council, { role: event.data.role, status: 'active' });
        break;
      case 'MemberDeclined':
        member(event.data.council, { status: 'declined' });
        break;
      case 'MemberWithdrew':
        member(event.data.council, { status: 'withdrawn' });
        break;
      case 'LeadTransferred':
        member(event.data.from, { role: 'partner' });
        member(event.data.to, { role: 'lead' });
        challenge = { ...challenge!, leadCouncil: event.data.to, updatedAt: event.occurredAt };
        break;
      case 'ShareAgreementProposed':
        proposed.set(event.data.version, { version: event.data.version, shares: event.data.shares.map((s) => ({ ...s })) });
        break;
      case 'ShareAgreementActivated':
        agreement = proposed.get(event.data.version);
        if (agreement === undefined) throw new Error(`challenge ${event.challengeId}: version ${event.data.version} is activated but was never proposed`);
        break;
      case 'CommitmentRecorded':
        member(event.data.council, { committedPence: (members.get(event.data.council)?.committedPence ?? 0) + event.data.amountPence });
        break;
      case 'CostRecorded':
        costs.push(ocdsCostOf({ ...event.data, id: event.data.entryId, type: 'cost', recordedAt: event.occurredAt }));
        break;
      case 'CostReversed':
        costs.push(ocdsCostOf({ ...event.data, id: event.data.entryId, type: 'cost_reversal', recordedAt: event.occurredAt }));
        break;
      default:
        break;
    }
    const now = challenge!;
    seen(event, () => ({
      challenge: now,
      members: [...members.values()].sort((a, b) => (a.council < b.council ? -1 : 1)),
      ...(agreement ? { agreement } : {}),
      costs: [...costs],
    }));
  });
}
