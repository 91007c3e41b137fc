/**
 * Building blocks shared by the API schemas and the event catalogue: identifiers,
 * timestamps, money and the enums of the domain (brief: domain.md).
 * Pure: imports only zod, so any Lambda handler may import it.
 */
import * as z from './zod';
import { withMeta } from './zod';

/** ONS GSS code of a council, e.g. `E08000025` (Birmingham). */
export const GSS_CODE_PATTERN = /^[EWSN]\d{8}$/;
export const gssCode = z.string().check(z.regex(GSS_CODE_PATTERN, 'Must be an ONS GSS code: E, W, S or N followed by 8 digits'));
export type GssCode = z.infer<typeof gssCode>;

/** ULID in canonical form: 26 upper-case Crockford base32 characters (what the `ulid` package emits). */
export const ULID_PATTERN = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;
// The pattern is said again in meta: OpenAPI and JSON Schema tools do not know the `ulid` format.
export const ulid = withMeta(z.ulid({ pattern: ULID_PATTERN, error: 'Must be a ULID (26 upper-case Crockford base32 characters)' }), {
  pattern: ULID_PATTERN.source,
});
export type Ulid = z.infer<typeof ulid>;

/** ISO 8601 date-time in UTC (`Z` suffix, no offset), e.g. `2026-11-21T10:00:00.000Z`. */
export const isoDateTime = z.iso.datetime();
export type IsoDateTime = z.infer<typeof isoDateTime>;

/** Money: integer pence (GBP), never a float. */
export const pence = z.int();
export const nonNegativePence = z.int().check(z.gte(0));
export const positivePence = z.int().check(z.positive());
/** Shares: integer basis points, 0..10000. */
export const basisPoints = z.int().check(z.gte(0), z.lte(10_000));
export const BPS_TOTAL = 10_000;

export const councilKind = z.enum([
  'county',
  'district',
  'unitary',
  'metropolitan_borough',
  'london_borough',
  'combined_authority',
  'welsh_principal_area',
  'scottish_council',
  'ni_district',
]);
export type CouncilKind = z.infer<typeof councilKind>;

/** Cognito groups a caller may belong to. */
export const callerGroup = z.enum(['officer', 'finance', 'hub-admin']);
export type CallerGroup = z.infer<typeof callerGroup>;

/** Challenge stages in their forward order, then `cancelled`. */
export const stage = z.enum([
  'draft',
  'scoping',
  'forming',
  'market_engagement',
  'procurement',
  'awarded',
  'delivery',
  'closed',
  'cancelled',
]);
export type Stage = z.infer<typeof stage>;

export const memberRole = z.enum(['lead', 'partner', 'observer']);
export type MemberRole = z.infer<typeof memberRole>;
/** The roles a council can be invited into or request (the lead is only ever transferred). */
export const invitableRole = z.enum(['partner', 'observer']);
export type InvitableRole = z.infer<typeof invitableRole>;

export const memberStatus = z.enum(['invited', 'requested', 'active', 'declined', 'withdrawn']);
export type MemberStatus = z.infer<typeof memberStatus>;

export const visibility = z.enum(['public', 'consortium']);
export type Visibility = z.infer<typeof visibility>;

export const procurementRoute = z.enum([
  'undecided',
  'sbri',
  'innovation_partnership',
  'competitive_flexible',
  'open',
  'framework_call_off',
  'direct_award',
]);
export type ProcurementRoute = z.infer<typeof procurementRoute>;

export const shareBasis = z.enum(['equal', 'population', 'pledge', 'custom']);
export type ShareBasis = z.infer<typeof shareBasis>;

export const ledgerEntryType = z.enum(['pledge', 'commitment', 'receipt', 'cost', 'cost_reversal']);
export type LedgerEntryType = z.infer<typeof ledgerEntryType>;
