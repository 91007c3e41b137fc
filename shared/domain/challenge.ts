/**
 * The challenge's own transitions (domain.md: Challenge, Stages), pure:
 * create, update and stage moves.
 */
import type { ChallengePatch } from '../schemas/challenge';
import { type ChallengeSnapshot, challengeSnapshot as snapshotSchema } from '../schemas/events';
import { stageContext } from './agreements';
import { stageMoveConflict, terminalConflict } from './consortium';
import type { ChallengeRecord, ChallengeState, Context } from './records';
import type { Stage } from '../schemas/common';
import { asRefusal, type Decision, event, Refusal, refuse, type Transition, UNCHANGED } from './transition';

/** The challenge's own fields, exactly as the event catalogue's snapshot names them. */
export const SNAPSHOT_FIELDS = Object.keys(snapshotSchema.shape) as Array<keyof ChallengeSnapshot>;

export function challengeSnapshot(challenge: Omit<ChallengeRecord, 'seq'>): ChallengeSnapshot {
  return Object.fromEntries(SNAPSHOT_FIELDS.filter((f) => challenge[f] !== undefined).map((f) => [f, challenge[f]])) as ChallengeSnapshot;
}

export type ChallengeInput = Pick<ChallengeRecord, 'title' | 'statement' | 'howMightWe' | 'outcomes' | 'themes' | 'visibility' | 'procurementRoute'> & {
  targetBudgetPence?: number | undefined;
};

/** The caller's council becomes the lead, an active member; it must be registered. */
export function createChallenge(input: ChallengeInput, ctx: Context): Transition {
  const lead = ctx.actor.council;
  const { targetBudgetPence, ...fields } = input;
  const challenge: Omit<ChallengeRecord, 'seq'> = {
    id: ctx.newId(),
    ...fields,
    ...(targetBudgetPence === undefined ? {} : { targetBudgetPence }),
    leadCouncil: lead,
    stage: 'draft',
    version: 1,
    createdAt: ctx.now,
    updatedAt: ctx.now,
  };
  return {
    challenge,
    members: [{ council: lead, role: 'lead', status: 'active', via: 'creation', joinedAt: ctx.now, updatedAt: ctx.now }],
    events: [event('ChallengeCreated', { challenge: challengeSnapshot(challenge) })],
    registeredCouncils: [{ council: lead, refusal: refuse.forbidden(`Your council ${lead} is not registered with the hub.`) }],
  };
}

export const etagOf = (challenge: Pick<ChallengeRecord, 'version'>) => `"${challenge.version}"`;

/** An If-Match value matches the current ETag, weak or strong, or `*`. */
export function ifMatchHolds(header: string, etag: string): boolean {
  return header.split(',').map((t) => t.trim().replace(/^W\//, '')).some((t) => t === '*' || t === etag);
}

/** The lead changes fields, on the version it read (If-Match); naming only current values changes nothing. */
export function updateChallenge(state: ChallengeState, patch: ChallengePatch, ifMatch: string, ctx: Context): Decision {
  const { challenge } = state;
  const closed = asRefusal(terminalConflict(challenge.stage));
  if (closed) return closed;
  if (!ifMatchHolds(ifMatch, etagOf(challenge))) {
    return new Refusal('precondition_failed', `The challenge has changed since you read it: its ETag is now ${etagOf(challenge)}.`);
  }
  const changes = (Object.keys(patch) as (keyof ChallengePatch)[]).filter(
    (field) => JSON.stringify(patch[field] ?? undefined) !== JSON.stringify(challenge[field]),
  );
  if (changes.length === 0) return UNCHANGED;
  const { seq: _seq, ...current } = challenge;
  const updated: Omit<ChallengeRecord, 'seq'> = { ...current, ...(patch as Partial<ChallengeRecord>), version: challenge.version + 1, updatedAt: ctx.now };
  if (patch.targetBudgetPence === null) delete updated.targetBudgetPence;
  return { challenge: updated, events: [event('ChallengeUpdated', { changes, challenge: challengeSnapshot(updated) })] };
}

/** One step forward at a time, or to cancelled; each guard names what is missing. */
export function changeStage(state: ChallengeState, to: Stage, reason: string | undefined, ctx: Context): Decision {
  const refused = asRefusal(stageMoveConflict(state.challenge, to, stageContext(state)));
  if (refused) return refused;
  const { seq: _seq, ...current } = state.challenge;
  return {
    challenge: { ...current, stage: to, version: current.version + 1, updatedAt: ctx.now },
    events: [event('ChallengeStageChanged', { from: current.stage, to, ...(reason ? { reason } : {}) })],
  };
}
