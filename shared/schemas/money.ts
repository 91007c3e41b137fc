/**
 * Money over HTTP (api.md, Money): integer pence only. A float, a string or a
 * negative amount is a 422 naming the field; nothing is ever rounded.
 */
import { perFigure } from '../domain/ledger';
import { pageQuery } from '../http/paging';
import { challengeIdParams } from './challenge';
import { gssCode, isoDateTime, ledgerEntryType, ulid } from './common';
import * as z from './zod';
import { described, withMeta } from './zod';

/**
 * One amount is at most £10bn (10^12 pence): far above any council budget, and
 * it keeps every running total a safe integer for 9,000 such entries.
 */
export const MAX_AMOUNT_PENCE = 1_000_000_000_000;
const amount = z.int().check(z.lte(MAX_AMOUNT_PENCE));
const positiveAmount = described(amount.check(z.positive()), 'Integer pence, more than 0');
const reference = described(
  z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(200))),
  'Your own reference (invoice, PO, journal number)',
);

export const pledgeParams = z.extend(challengeIdParams, { council: gssCode });
export const entryParams = z.extend(challengeIdParams, { entryId: ulid });

export const pledgeInput = withMeta(
  z.strictObject({ amountPence: described(amount.check(z.gte(0)), 'The pledged total in integer pence (0 or more); replaces the previous pledge') }),
  { id: 'PledgeInput' },
);

export const commitmentInput = withMeta(z.strictObject({ amountPence: positiveAmount, reference }), { id: 'CommitmentInput' });

export const receiptInput = withMeta(
  z.strictObject({ council: described(gssCode, 'The funding member the money came from'), amountPence: positiveAmount, reference }),
  { id: 'ReceiptInput' },
);

export const costInput = withMeta(
  z.strictObject({
    amountPence: positiveAmount,
    description: z.string().check(z.trim(), z.minLength(1), z.maxLength(500)),
    supplier: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(200))),
    category: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(100))),
    reference,
  }),
  { id: 'CostInput' },
);

/** The most costs one batch request may carry (one transaction; fewer for a large consortium, see costsPerTransaction). */
export const MAX_BATCH_COSTS = 48;

export const costBatchInput = withMeta(
  z.strictObject({
    costs: described(z.array(costInput).check(z.minLength(1), z.maxLength(MAX_BATCH_COSTS)), `1 to ${MAX_BATCH_COSTS} costs, recorded in order, all or none`),
  }),
  { id: 'CostBatchInput' },
);

export const reversalInput = withMeta(z.strictObject({ reason: z.string().check(z.trim(), z.minLength(1), z.maxLength(1_000)) }), {
  id: 'CostReversalInput',
});

export const ledgerQuery = pageQuery;

export const allocation = withMeta(z.object({ council: gssCode, costPence: z.int(), riskPence: z.int() }), {
  id: 'Allocation',
  description: 'A member’s part of a cost: within the headroom by cost share, any overrun by risk share.',
});

export const ledgerEntry = withMeta(
  z.object({
    id: ulid,
    type: ledgerEntryType,
    council: described(z.optional(gssCode), 'pledge, commitment, receipt: the member'),
    amountPence: described(z.int(), 'pledge: the new pledged total; cost_reversal: negative'),
    previousPence: described(z.optional(z.int()), 'pledge: the pledged total before'),
    allocations: described(z.optional(z.array(allocation)), 'cost and cost_reversal: sums exactly to amountPence; negated on a reversal'),
    agreementVersion: described(z.optional(z.int()), 'cost: the share agreement version that split it'),
    reversesId: described(z.optional(ulid), 'cost_reversal: the cost it reverses'),
    reversed: described(z.optional(z.boolean()), 'cost: whether a reversal of it exists'),
    reversedBy: described(z.optional(ulid), 'cost: the reversing entry'),
    reason: described(z.optional(z.string()), 'cost_reversal: why'),
    description: z.optional(z.string()),
    supplier: z.optional(z.string()),
    category: z.optional(z.string()),
    reference: z.optional(z.string()),
    recordedBy: z.object({ council: gssCode, sub: z.string() }),
    recordedAt: isoDateTime,
  }),
  { id: 'LedgerEntry' },
);

/** A member's figures as shown: the one figure list (FIGURE_FIELDS), then what follows from it; fresh schemas for each object. */
const figureFields = () => ({
  ...perFigure(() => z.int()),
  balancePence: described(z.int(), 'received − allocatedCost − allocatedRisk; negative: owes the pool'),
  outstandingPence: described(z.int(), 'committed − received'),
});

export const statementRow = withMeta(
  z.object({
    council: gssCode,
    name: z.string(),
    role: z.string(),
    status: described(
      z.string(),
      '`active`; or, for a former funding member the ledger still holds money for, its membership status (e.g. `withdrawn`)',
    ),
    costBps: described(z.int(), 'Share in the active agreement; 0 when it names no share for the member or none is active'),
    riskBps: z.int(),
    ...figureFields(),
  }),
  { id: 'StatementRow' },
);

export const statement = withMeta(
  z.object({
    challengeId: ulid,
    currency: z.literal('GBP'),
    asOfSeq: described(z.int(), 'The last event included'),
    agreementVersion: described(z.optional(z.int()), 'The active share agreement'),
    members: z.array(statementRow),
    totals: z.object({
      pledgedPence: z.int(),
      committedPence: z.int(),
      receivedPence: z.int(),
      spentPence: described(z.int(), 'Net spend: costs less reversals'),
      poolBalancePence: described(z.int(), 'received − spent; equals the sum of member balances'),
    }),
  }),
  { id: 'Statement' },
);

/**
 * `?asOfSeq=N` or `?asOf=<ISO time>`: the statement as it stood once event N had
 * happened (asOf: the last event stamped at or before that time). At most one of them.
 */
export const statementQuery = z
  .object({
    // A plain decimal: coercing with Number() would read '', '0x1', '1e0' and '01' as seqs too.
    asOfSeq: described(
      z.optional(
        z.pipe(z.string().check(z.regex(/^(0|[1-9][0-9]{0,9})$/, 'Must be a seq: a decimal integer from 0, without leading zeros')), z.transform(Number)),
      ),
      'The last event to include; 0 is before the challenge existed. Beyond the current seq: 422',
    ),
    asOf: described(z.optional(isoDateTime), 'A time (ISO 8601 UTC): the statement as of the last event at or before it. In the future: 422'),
  })
  .check(z.refine((q) => q.asOfSeq === undefined || q.asOf === undefined, { message: 'Give asOfSeq or asOf, not both.', path: ['asOf'] }));

export const accountParams = z.extend(challengeIdParams, { council: described(gssCode, 'The council whose account this is') });
export const accountQuery = pageQuery;

export const accountItem = withMeta(
  z.object({
    entry: ledgerEntry,
    costPence: described(z.int(), "This council's part of a cost (negative on a reversal); 0 for its pledges, commitments, receipts"),
    riskPence: described(z.int(), "This council's part of a cost's overrun (negative on a reversal)"),
    figures: withMeta(z.object(figureFields()), { id: 'AccountFigures', description: "The council's running figures once this entry is applied" }),
  }),
  { id: 'AccountItem' },
);

export const account = withMeta(
  z.object({
    challengeId: ulid,
    council: gssCode,
    name: z.string(),
    items: described(
      z.array(accountItem),
      'Every ledger entry that touched the council, oldest first; the last row of the last page equals its statement row',
    ),
    nextCursor: z.optional(z.string()),
  }),
  { id: 'MemberAccount' },
);
