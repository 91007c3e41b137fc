/**
 * The records a challenge is made of, as the domain sees them: plain data, no
 * keys, no AWS. The store reads them into a ChallengeState and writes back
 * whatever a transition changed.
 */
import type { MemberRole, MemberStatus, ProcurementRoute, Stage, Visibility } from '../schemas/common';
import type { Agreement } from './agreement-lifecycle';
import type { FigureField } from './ledger';

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
  /** Content version, the ETag: advances when the challenge's own fields, stage or lead change. */
  version: number;
  /** Number of the last event; every change advances it under a condition. */
  seq: number;
  createdAt: string;
  updatedAt: string;
  /** The newest ledger entry's id: the next one is minted above it, so entry ids sort in commit order. */
  lastEntryId?: string;
}

/** A member's running money figures (absent: 0), moved only by applyEntry. */
export type MemberFigureFields = Partial<Record<FigureField, number>>;

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
  /** The ledger entry that set the current pledge. */
  pledgeEntryId?: string;
}

/** Everything a decision about one challenge needs, read in one Query. */
export interface ChallengeState {
  challenge: ChallengeRecord;
  /** By council code. */
  members: MemberRecord[];
  /** By version. */
  agreements: Agreement[];
}

/** Who acts: the caller's council and JWT subject. */
export interface Actor {
  council: string;
  sub: string;
}

/** What a transition may not invent for itself: the time and fresh ids. */
export interface Context {
  actor: Actor;
  /** ISO 8601 UTC. */
  now: string;
  /** A new ULID; `atMs` sets its time part (ledger ids are minted above the last one). */
  newId(atMs?: number): string;
}

export const memberOf = (state: Pick<ChallengeState, 'members'>, council: string | undefined) =>
  council === undefined ? undefined : state.members.find((m) => m.council === council);
