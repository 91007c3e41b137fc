/**
 * Every `code` a problem+json answer can carry, with its status (and, below, what it
 * means): the one list. `Problem`, `Refusal` and the rules take a `ProblemCode`, so a code
 * cannot be answered without being here; each route names the codes its operation
 * can refuse with (shared/route-groups/*, `refuses`), and the OpenAPI document
 * lists them per operation (shared/http/answers.ts).
 */
export const PROBLEM_CODES = {
  // 409: a rule of the consortium said no (api.md).
  challenge_closed: 409,
  membership_locked: 409,
  invalid_stage_transition: 409,
  stage_guard: 409,
  already_member: 409,
  already_invited: 409,
  already_requested: 409,
  consortium_full: 409,
  not_public: 409,
  nothing_pending: 409,
  not_active_member: 409,
  lead_cannot_withdraw: 409,
  already_lead: 409,
  not_active_partner: 409,
  agreement_not_pending: 409,
  agreement_outdated: 409,
  proposer_cannot_reject: 409,
  agreement_required: 409,
  not_funding_member: 409,
  below_commitment: 409,
  exceeds_pledge: 409,
  exceeds_commitment: 409,
  not_reversible: 409,
  already_reversed: 409,
  replay_too_long: 409,
  export_too_large: 409,
  subscription_limit: 409,
  subscription_disabled: 409,
  replay_in_progress: 409,
  idempotency_in_progress: 409,
  // 422: valid JSON that cannot be taken as it is (besides schema errors, which carry no code).
  idempotency_key_reuse: 422,
  council_not_registered: 422,
  amount_too_large: 422,
  batch_too_large: 422,
  url_not_allowed: 422,
  // 503: nothing was decided twice; retrying with the same Idempotency-Key is safe.
  write_contention: 503,
  write_outcome_unknown: 503,
} as const satisfies Record<string, number>;

export type ProblemCode = keyof typeof PROBLEM_CODES;

/**
 * What each code means, for the OpenAPI document. Its own object, checked to name every code
 * and no other, so that function bundles (which need only the statuses) leave the texts out.
 */
const PROBLEM_MEANINGS = {
  challenge_closed: 'The challenge is closed or cancelled: nothing but reads is possible',
  membership_locked: 'Membership is locked from procurement on',
  invalid_stage_transition: 'The stage cannot move there from where it is',
  stage_guard: 'The next stage needs something the challenge does not have yet (the detail says what)',
  already_member: 'The council is already an active member',
  already_invited: 'The council already has a pending invitation',
  already_requested: 'The council already has a pending request to join',
  consortium_full: 'The consortium already holds the most funding members it may',
  not_public: 'Only a public challenge takes requests to join',
  nothing_pending: 'There is no pending invitation or request to answer',
  not_active_member: 'Only an active member can do this',
  lead_cannot_withdraw: 'The lead cannot withdraw; it transfers the lead first',
  already_lead: 'The council is already the lead',
  not_active_partner: 'The lead can pass only to an active partner',
  agreement_not_pending: 'Only a pending share agreement can be approved or rejected',
  agreement_outdated: 'The funding members changed since this version was proposed',
  proposer_cannot_reject: "The proposer's council cannot reject its own proposal; it proposes again instead",
  agreement_required: 'No active share agreement covers every funding member',
  not_funding_member: 'The council is not a funding member (an active lead or partner)',
  below_commitment: 'A pledge cannot go below what the council has committed',
  exceeds_pledge: 'Committing this would exceed the pledge',
  exceeds_commitment: 'Receiving this would exceed the commitment',
  not_reversible: 'Only a cost can be reversed',
  already_reversed: 'The cost was already reversed',
  replay_too_long: 'More ledger entries (or events) to replay than the hub replays for one answer',
  export_too_large: 'The CSV would be too large; page the JSON instead',
  subscription_limit: 'The council holds the most subscriptions it may',
  subscription_disabled: 'The subscription is disabled; enable it first',
  replay_in_progress: 'A replay of this subscription is still running',
  idempotency_in_progress: 'A request with this Idempotency-Key is still being processed; retry after Retry-After',
  idempotency_key_reuse: 'This Idempotency-Key was already used with a different request',
  council_not_registered: 'The council named is not registered with the hub',
  amount_too_large: 'The amount would take a figure beyond what the hub holds exactly',
  batch_too_large: 'More costs than one request may hold (the detail names the limit)',
  url_not_allowed: 'The webhook URL points somewhere the hub will not call',
  write_contention: 'The challenge is being changed by many requests at once; retry after Retry-After',
  write_outcome_unknown: 'The database did not confirm the write; retry with the same Idempotency-Key, it applies at most once',
} as const satisfies Record<ProblemCode, string>;

export const statusOfCode = (code: ProblemCode): number => PROBLEM_CODES[code];
export const meaningOfCode = (code: ProblemCode): string => PROBLEM_MEANINGS[code];

/** What every write through the challenge write path may answer besides its own rules. */
export const CHALLENGE_WRITE_CODES = ['write_contention', 'write_outcome_unknown'] as const satisfies readonly ProblemCode[];
