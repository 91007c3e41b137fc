/** Each hub event as a sentence a council officer would write: "Coventry City Council approved share agreement v3". */
import type { HubEvent } from '../schemas/events';
import { BASIS_LABELS, pounds, STAGE_LABELS } from './format';

const FIELD_WORDS: Record<string, string> = {
  title: 'title',
  statement: 'problem statement',
  howMightWe: '“how might we” question',
  outcomes: 'outcomes',
  themes: 'themes',
  visibility: 'visibility',
  procurementRoute: 'procurement route',
  targetBudgetPence: 'target budget',
};

const list = (words: string[]) => (words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`);
const asRole = (role: string) => (role === 'observer' ? 'an observer' : role === 'lead' ? 'the lead' : 'a partner');

/** The councils an event names (whose names the sentence needs). */
export function councilsIn(e: HubEvent): string[] {
  const d = e.data as Record<string, unknown>;
  return [e.actor.council, ...['council', 'from', 'to'].map((k) => d[k]).filter((v): v is string => typeof v === 'string' && /^[EWSN]\d{8}$/.test(v))];
}

export function describeEvent(e: HubEvent, name: (code: string) => string): string {
  const who = name(e.actor.council);
  switch (e.type) {
    case 'ChallengeCreated':
      return `${who} created the challenge “${e.data.challenge.title}”`;
    case 'ChallengeUpdated':
      return `${who} changed the ${list(e.data.changes.map((c) => FIELD_WORDS[c] ?? c))}`;
    case 'ChallengeStageChanged':
      return `${who} moved the challenge from ${STAGE_LABELS[e.data.from].toLowerCase()} to ${STAGE_LABELS[e.data.to].toLowerCase()}${e.data.reason ? `: ${e.data.reason}` : ''}`;
    case 'MemberInvited':
      return `${who} invited ${name(e.data.council)} to join as ${asRole(e.data.role)}`;
    case 'MemberJoinRequested':
      return `${name(e.data.council)} asked to join as ${asRole(e.data.role)}`;
    case 'MemberJoined':
      return e.data.via === 'request' ? `${who} approved ${name(e.data.council)}’s request: it joined as ${asRole(e.data.role)}` : `${name(e.data.council)} accepted the invitation and joined as ${asRole(e.data.role)}`;
    case 'MemberDeclined':
      return e.data.via === 'request' ? `${who} turned down ${name(e.data.council)}’s request to join` : `${name(e.data.council)} declined the invitation`;
    case 'MemberWithdrew':
      return `${name(e.data.council)} withdrew from the consortium`;
    case 'LeadTransferred':
      return `${name(e.data.from)} passed the lead to ${name(e.data.to)}`;
    case 'ShareAgreementProposed':
      return `${who} proposed share agreement v${e.data.version} (${BASIS_LABELS[e.data.basis] ?? e.data.basis})${e.data.supersedes ? `, replacing v${e.data.supersedes}` : ''}`;
    case 'ShareAgreementApproved':
      return `${name(e.data.council)} approved share agreement v${e.data.version}`;
    case 'ShareAgreementActivated':
      return `Share agreement v${e.data.version} became active${e.data.supersedes ? `, superseding v${e.data.supersedes}` : ''}`;
    case 'ShareAgreementRejected':
      return `${name(e.data.council)} rejected share agreement v${e.data.version}${e.data.reason ? `: ${e.data.reason}` : ''}`;
    case 'PledgeSet':
      return `${name(e.data.council)} pledged ${pounds(e.data.amountPence)} (was ${pounds(e.data.previousPence)})`;
    case 'CommitmentRecorded':
      return `${name(e.data.council)} committed ${pounds(e.data.amountPence)}${e.data.reference ? ` (ref ${e.data.reference})` : ''}`;
    case 'ReceiptRecorded':
      return `${who} recorded ${pounds(e.data.amountPence)} received from ${name(e.data.council)}${e.data.reference ? ` (ref ${e.data.reference})` : ''}`;
    case 'CostRecorded':
      return `${who} recorded a cost of ${pounds(e.data.amountPence)}: ${e.data.description}${e.data.supplier ? ` (${e.data.supplier})` : ''}, split between ${e.data.allocations.length} ${e.data.allocations.length === 1 ? 'council' : 'councils'}`;
    case 'CostReversed':
      return `${who} reversed a cost of ${pounds(0 - e.data.amountPence)}: ${e.data.reason}`;
  }
}
