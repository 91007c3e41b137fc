/** The reads every challenge route starts from: the state, visible to the caller (404 otherwise), and for money and records, an active member (403). */
import { activeMember, visible } from '../access';
import type { Caller } from '../auth';
import type { ChallengeState } from '../domain/records';
import { loadChallengeState } from '../store/challenges';
import { refuseWith } from './problem-details';

export async function visibleState(id: string, caller: Caller, consistent = false): Promise<ChallengeState> {
  const state = await loadChallengeState(id, consistent);
  refuseWith(visible(state, caller, id));
  return state!;
}

/** Ledger, statement, agreements, accounts and events: active members only (observers included). */
export async function memberState(id: string, caller: Caller): Promise<ChallengeState> {
  const state = await visibleState(id, caller, true);
  refuseWith(activeMember(state, caller));
  return state;
}
