/**
 * Money over HTTP (api.md, Money): integer pence only. A float, a string or a
 * negative amount is a 422 naming the field; nothing is ever rounded.
 */
import * as z from 'zod';
import { perFigure } from '../domain/ledger';
import { pageQuery } from '../http/paging';
import { challengeIdParams } from './challenge';
import { gssCode, isoDateTime, ledgerEntryType, ulid } from './common';

/**
 * One amount is at most £10bn (10^12 pence): far above any council budget, and
 * it keeps every running total a safe integer for 9,000 such entries.
 */
export const MAX_AMOUNT_PENCE = 1_000_000_000_000;
const amount = z.int().max(MAX_AMOUNT_PENCE);
const positiveAmount = amount.positive().describe('Integer pence, more than 0');
const reference = z.string().trim().min(1).max(200).optional().describe('Your own reference (invoice, PO, journal number)');

export const pledgeParams = challengeIdParams.extend({ council: gssCode });
export const entryParams = challengeIdParams.extend({ entryId: ulid });

export const pledgeInput = z
  .strictObject({ amountPence: amount.min(0).describe('The pledged total in integer pence (0 or more); replaces the previous pledge') })
  .meta({ id: 'PledgeInput' });

export const commitmentInput = z
  .strictObject({ amountPence: positiveAmount, reference })
  .meta({ id: 'CommitmentInput' });

export const receiptInput = z
  .strictObject({ council: gssCode.describe('The funding member the money came from'), amountPence: positiveAmount, reference })
  .meta({ id: 'ReceiptInput' });

export const costInput = z
  .strictObject({
    amountPence: positiveAmount,
    description: z.string().trim().min(1).max(500),
    supplier: z.string().trim().min(1).max(200).optional(),
    category: z.string().trim().min(1).max(100).optional(),
    reference,
  })
  .meta({ id: 'CostInput' });

/** The most costs one batch request may carry (one transaction; fewer for a large consortium, see costsPerTransaction). */
export const MAX_BATCH_COSTS = 48;

export const costBatchInput = z
  .strictObject({ costs: z.array(costInput).min(1).max(MAX_BATCH_COSTS).describe(`1 to ${MAX_BATCH_COSTS} costs, recorded in order, all or none`) })
  .meta({ id: 'CostBatchInput' });

export const reversalInput = z
  .strictObject({ reason: z.string().trim().min(1).max(1_000) })
  .meta({ id: 'CostReversalInput' });

export const ledgerQuery = pageQuery;

export const allocation = z
  .object({ council: gssCode, costPence: z.int(), riskPence: z.int() })
  .meta({ id: 'Allocation', description: 'A member’s part of a cost: within the headroom by cost share, any overrun by risk share.' });

export const ledgerEntry = z
  .object({
    id: ulid,
    type: ledgerEntryType,
    council: gssCode.optional().describe('pledge, commitment, receipt: the member'),
    amountPence: z.int().describe('pledge: the new pledged total; cost_reversal: negative'),
    previousPence: z.int().optional().describe('pledge: the pledged total before'),
    allocations: z.array(allocation).optional().describe('cost and cost_reversal: sums exactly to amountPence; negated on a reversal'),
    agreementVersion: z.int().optional().describe('cost: the share agreement version that split it'),
    reversesId: ulid.optional().describe('cost_reversal: the cost it reverses'),
    reversed: z.boolean().optional().describe('cost: whether a reversal of it exists'),
    reversedBy: ulid.optional().describe('cost: the reversing entry'),
    reason: z.string().optional().describe('cost_reversal: why'),
    description: z.string().optional(),
    supplier: z.string().optional(),
    category: z.string().optional(),
    reference: z.string().optional(),
    recordedBy: z.object({ council: gssCode, sub: z.string() }),
    recordedAt: isoDateTime,
  })
  .meta({ id: 'LedgerEntry' });

/** A member's figures as shown: the one figure list (FIGURE_FIELDS), then what follows from it; fresh schemas for each object. */
const figureFields = () => ({
  ...perFigure(() => z.int()),
  balancePence: z.int().describe('received − allocatedCost − allocatedRisk; negative: owes the pool'),
  outstandingPence: z.int().describe('committed − received'),
});

export const statementRow = z
  .object({
    council: gssCode,
    name: z.string(),
    role: z.string(),
    status: z.string().describe('`active`; or, for a former funding member the ledger still holds money for, its membership status (e.g. `withdrawn`)'),
    costBps: z.int().describe('Share in the active agreement; 0 when it names no share for the member or none is active'),
    riskBps: z.int(),
    ...figureFields(),
  })
  .meta({ id: 'StatementRow' });

export const statement = z
  .object({
    challengeId: ulid,
    currency: z.literal('GBP'),
    asOfSeq: z.int().describe('The last event included'),
    agreementVersion: z.int().optional().describe('The active share agreement'),
    members: z.array(statementRow),
    totals: z.object({
      pledgedPence: z.int(),
      committedPence: z.int(),
      receivedPence: z.int(),
      spentPence: z.int().describe('Net spend: costs less reversals'),
      poolBalancePence: z.int().describe('received − spent; equals the sum of member balances'),
    }),
  })
  .meta({ id: 'Statement' });

/**
 * `?asOfSeq=N` or `?asOf=<ISO time>`: the statement as it stood once event N had
 * happened (asOf: the last event stamped at or before that time). At most one of them.
 */
export const statementQuery = z
  .object({
    // A plain decimal: coercing with Number() would read '', '0x1', '1e0' and '01' as seqs too.
    asOfSeq: z
      .string()
      .regex(/^(0|[1-9][0-9]{0,9})$/, 'Must be a seq: a decimal integer from 0, without leading zeros')
      .transform(Number)
      .optional()
      .describe('The last event to include; 0 is before the challenge existed. Beyond the current seq: 422'),
    asOf: isoDateTime.optional().describe('A time (ISO 8601 UTC): the statement as of the last event at or before it. In the future: 422'),
  })
  .refine((q) => q.asOfSeq === undefined || q.asOf === undefined, { message: 'Give asOfSeq or asOf, not both.', path: ['asOf'] });

export const accountParams = challengeIdParams.extend({ council: gssCode.describe('The council whose account this is') });
export const accountQuery = pageQuery;

export const accountItem = z
  .object({
    entry: ledgerEntry,
    costPence: z.int().describe("This council's part of a cost (negative on a reversal); 0 for its pledges, commitments, receipts"),
    riskPence: z.int().describe("This council's part of a cost's overrun (negative on a reversal)"),
    figures: z.object(figureFields()).meta({ id: 'AccountFigures', description: "The council's running figures once this entry is applied" }),
  })
  .meta({ id: 'AccountItem' });

export const account = z
  .object({
    challengeId: ulid,
    council: gssCode,
    name: z.string(),
    items: z.array(accountItem).describe('Every ledger entry that touched the council, oldest first; the last row of the last page equals its statement row'),
    nextCursor: z.string().optional(),
  })
  .meta({ id: 'MemberAccount' });
