/**
 * Membership transitions (domain.md: Membership), pure: invite, request to join,
 * accept, decline, withdraw and transfer the lead. The rules they apply are in
 * consortium.ts; the order of the checks is the order callers see refusals in.
 */
import type { InvitableRole } from '../schemas/common';
import {
  capacityConflict,
  joinConflict,
  leadTransferConflict,
  membershipChangeConflict,
  respondent,
  terminalConflict,
  withdrawConflict,
} from './consortium';
import { FIGURE_FIELDS } from './ledger';
import { type ChallengeState, type Context, memberOf, type MemberRecord } from './records';
import { asRefusal, type Decision, event, refuse } from './transition';

/** A record rebuilt from scratch (a withdrawn council invited again) keeps the figures its ledger entries made. */
function moneyOf(existing: MemberRecord | undefined): Partial<MemberRecord> {
  if (!existing) return {};
  const kept: Partial<MemberRecord> = {};
  for (const field of FIGURE_FIELDS) if (existing[field] !== undefined) kept[field] = existing[field];
  if (existing.pledgeEntryId) kept.pledgeEntryId = existing.pledgeEntryId;
  return kept;
}

export function invite(state: ChallengeState, input: { council: string; role: InvitableRole }, ctx: Context): Decision {
  const refused = asRefusal(membershipChangeConflict(state.challenge.stage)) ?? asRefusal(joinConflict(memberOf(state, input.council)));
  if (refused) return refused;
  const existing = memberOf(state, input.council);
  return {
    members: [{ ...moneyOf(existing), council: input.council, role: input.role, status: 'invited', via: 'invitation', invitedAt: ctx.now, updatedAt: ctx.now }],
    events: [event('MemberInvited', { council: input.council, role: input.role }, [input.council])],
    registeredCouncils: [
      {
        council: input.council,
        refusal: refuse.invalid(`Council ${input.council} is not registered with the hub.`, [{ path: 'body.council', message: 'Not a registered council.' }], 'council_not_registered'),
      },
    ],
  };
}

/** Any council's officer may ask to join a public challenge. */
export function requestToJoin(state: ChallengeState, role: InvitableRole, ctx: Context): Decision {
  const council = ctx.actor.council;
  if (state.challenge.visibility !== 'public') {
    return refuse.conflict('not_public', 'Only a public challenge takes requests to join; ask the lead for an invitation.');
  }
  const refused = asRefusal(membershipChangeConflict(state.challenge.stage)) ?? asRefusal(joinConflict(memberOf(state, council)));
  if (refused) return refused;
  return {
    members: [{ ...moneyOf(memberOf(state, council)), council, role, status: 'requested', via: 'request', requestedAt: ctx.now, updatedAt: ctx.now }],
    events: [event('MemberJoinRequested', { council, role }, [council])],
    registeredCouncils: [{ council, refusal: refuse.forbidden(`Your council ${council} is not registered with the hub.`) }],
  };
}

type Pending = MemberRecord & { via: 'invitation' | 'request'; role: InvitableRole };

/** The pending record, if the acting council is the one who answers it: the invitee, or the lead for a request. */
function pendingFor(state: ChallengeState, council: string, ctx: Context): Pending | ReturnType<typeof refuse.conflict> {
  const pending = memberOf(state, council);
  const answerer = pending ? respondent(pending, state.challenge.leadCouncil) : null;
  if (!pending || !answerer) return refuse.conflict('nothing_pending', `${council} has no pending invitation or request to answer.`);
  if (ctx.actor.council !== answerer) {
    return refuse.forbidden(
      pending.status === 'invited' ? `Only an officer of ${council} can answer its invitation.` : "Only the lead council's officer can answer a request to join.",
    );
  }
  return pending as Pending;
}

export function accept(state: ChallengeState, council: string, ctx: Context): Decision {
  const pending = pendingFor(state, council, ctx);
  if (!('via' in pending)) return pending;
  const refused = asRefusal(membershipChangeConflict(state.challenge.stage)) ?? asRefusal(capacityConflict(state.members, pending));
  if (refused) return refused;
  return {
    members: [{ ...pending, status: 'active', joinedAt: ctx.now, updatedAt: ctx.now }],
    events: [event('MemberJoined', { council: pending.council, role: pending.role, via: pending.via })],
  };
}

export function decline(state: ChallengeState, council: string, ctx: Context): Decision {
  const pending = pendingFor(state, council, ctx);
  if (!('via' in pending)) return pending;
  const refused = asRefusal(terminalConflict(state.challenge.stage));
  if (refused) return refused;
  return {
    members: [{ ...pending, status: 'declined', leftAt: ctx.now, updatedAt: ctx.now }],
    events: [event('MemberDeclined', { council: pending.council, role: pending.role, via: pending.via }, [pending.council])],
  };
}

/** An active member other than the lead leaves; only its own officer may say so. */
export function withdraw(state: ChallengeState, council: string, ctx: Context): Decision {
  if (ctx.actor.council !== council) return refuse.forbidden(`Only an officer of ${council} can withdraw it.`);
  const leaving = memberOf(state, council);
  const refused = asRefusal(withdrawConflict(leaving)) ?? asRefusal(membershipChangeConflict(state.challenge.stage));
  if (refused || !leaving) return refused ?? refuse.conflict('not_active_member', 'Only an active member can withdraw.');
  return {
    members: [{ ...leaving, status: 'withdrawn', leftAt: ctx.now, updatedAt: ctx.now }],
    events: [event('MemberWithdrew', { council, role: leaving.role as InvitableRole }, [council])],
  };
}

/** The lead passes to an active partner at once; the old lead becomes a partner. */
export function transferLead(state: ChallengeState, to: string, ctx: Context): Decision {
  const from = state.challenge.leadCouncil;
  const target = memberOf(state, to);
  const refused = asRefusal(terminalConflict(state.challenge.stage)) ?? asRefusal(leadTransferConflict(target, from));
  if (refused || !target) return refused ?? refuse.conflict('not_active_partner', 'The lead can pass only to an active partner.');
  const oldLead = memberOf(state, from)!;
  const { seq: _seq, ...challenge } = state.challenge;
  return {
    challenge: { ...challenge, leadCouncil: to, version: challenge.version + 1, updatedAt: ctx.now },
    members: [
      { ...oldLead, role: 'partner', updatedAt: ctx.now },
      { ...target, role: 'lead', updatedAt: ctx.now },
    ],
    events: [event('LeadTransferred', { from, to })],
  };
}
