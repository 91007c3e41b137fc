/**
 * Every `code` a problem+json answer can carry, with its status and what it means:
 * the one list. `Problem`, `Refusal` and the rules take a `ProblemCode`, so a code
 * cannot be answered without being here; each route names the codes its operation
 * can refuse with (shared/route-groups/*, `refuses`), and the OpenAPI document
 * lists them per operation (shared/http/answers.ts).
 */
export const PROBLEM_CODES = {
  // 409: a rule of the consortium said no (api.md).
  challenge_closed: [409, 'The challenge is closed or cancelled: nothing but reads is possible'],
  membership_locked: [409, 'Membership is locked from procurement on'],
  invalid_stage_transition: [409, 'The stage cannot move there from where it is'],
  stage_guard: [409, 'The next stage needs something the challenge does not have yet (the detail says what)'],
  already_member: [409, 'The council is already an active member'],
  already_invited: [409, 'The council already has a pending invitation'],
  already_requested: [409, 'The council already has a pending request to join'],
  consortium_full: [409, 'The consortium already holds the most funding members it may'],
  not_public: [409, 'Only a public challenge takes requests to join'],
  nothing_pending: [409, 'There is no pending invitation or request to answer'],
  not_active_member: [409, 'Only an active member can do this'],
  lead_cannot_withdraw: [409, 'The lead cannot withdraw; it transfers the lead first'],
  already_lead: [409, 'The council is already the lead'],
  not_active_partner: [409, 'The lead can pass only to an active partner'],
  agreement_not_pending: [409, 'Only a pending share agreement can be approved or rejected'],
  agreement_outdated: [409, 'The funding members changed since this version was proposed'],
  proposer_cannot_reject: [409, "The proposer's council cannot reject its own proposal; it proposes again instead"],
  agreement_required: [409, 'No active share agreement covers every funding member'],
  not_funding_member: [409, 'The council is not a funding member (an active lead or partner)'],
  below_commitment: [409, 'A pledge cannot go below what the council has committed'],
  exceeds_pledge: [409, 'Committing this would exceed the pledge'],
  exceeds_commitment: [409, 'Receiving this would exceed the commitment'],
  not_reversible: [409, 'Only a cost can be reversed'],
  already_reversed: [409, 'The cost was already reversed'],
  replay_too_long: [409, 'More ledger entries (or events) to replay than the hub replays for one answer'],
  export_too_large: [409, 'The CSV would be too large; page the JSON instead'],
  subscription_limit: [409, 'The council holds the most subscriptions it may'],
  subscription_disabled: [409, 'The subscription is disabled; enable it first'],
  replay_in_progress: [409, 'A replay of this subscription is still running'],
  idempotency_in_progress: [409, 'A request with this Idempotency-Key is still being processed; retry after Retry-After'],
  // 422: valid JSON that cannot be taken as it is (besides schema errors, which carry no code).
  idempotency_key_reuse: [422, 'This Idempotency-Key was already used with a different request'],
  council_not_registered: [422, 'The council named is not registered with the hub'],
  amount_too_large: [422, 'The amount would take a figure beyond what the hub holds exactly'],
  batch_too_large: [422, 'More costs than one request may hold (the detail names the limit)'],
  url_not_allowed: [422, 'The webhook URL points somewhere the hub will not call'],
  // 503: nothing was decided twice; retrying with the same Idempotency-Key is safe.
  write_contention: [503, 'The challenge is being changed by many requests at once; retry after Retry-After'],
  write_outcome_unknown: [503, 'The database did not confirm the write; retry with the same Idempotency-Key, it applies at most once'],
} as const satisfies Record<string, readonly [number, string]>;

export type ProblemCode = keyof typeof PROBLEM_CODES;

export const statusOfCode = (code: ProblemCode): number => PROBLEM_CODES[code][0];
export const meaningOfCode = (code: ProblemCode): string => PROBLEM_CODES[code][1];

/** What every write through the challenge write path may answer besides its own rules. */
export const CHALLENGE_WRITE_CODES = ['write_contention', 'write_outcome_unknown'] as const satisfies readonly ProblemCode[];
