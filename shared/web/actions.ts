/**
 * The forms: for each, the API operation it runs, how its fields become that
 * operation's JSON body, and the page that shows the outcome. The only thing
 * decided here is the translation (pounds typed in a box → integer pence); every
 * rule is the operation's own.
 */
import type { RouteSpec } from '../http/route-spec';
import { agreementRoutes } from '../route-groups/agreements';
import { membershipRoutes } from '../route-groups/membership';
import { moneyRoutes } from '../route-groups/money';
import type { FieldError } from './components';
import { parsePounds } from './format';

export type PageName = 'home' | 'challenge' | 'shares' | 'money' | 'ledger';

export interface FormAction {
  api: RouteSpec;
  /** The page the form is on: it shows the result (with `?done=`) or the form again with the problem. */
  page: PageName | ((values: Record<string, string>) => PageName);
  done: string;
  /** Field ids start with this; the API's `body.x` errors land on `<prefix>-x`. */
  prefix: string;
  /** The form's own fields, kept to show again. */
  fields: readonly string[];
  /** Where the error summary's first line points when no field is at fault. */
  anchor: (params: Record<string, string>) => string;
  body?: (values: Record<string, string>) => Built;
}

const optional = (values: Record<string, string>, names: readonly string[]) =>
  Object.fromEntries(names.map((n) => [n, values[n]?.trim()]).filter(([, v]) => v));

function amount(values: Record<string, string>, prefix: string, label: string): number | FieldError {
  const raw = values.amount ?? '';
  if (raw.trim() === '') return { field: `${prefix}-amount`, message: `Enter the ${label} in pounds and pence` };
  const pence = parsePounds(raw);
  return pence ?? { field: `${prefix}-amount`, message: `Enter the ${label} in pounds and pence, like 1250.00 (no more than 2 decimal places)` };
}

type Built = { body: Record<string, unknown> } | { errors: FieldError[] };

function withAmount(values: Record<string, string>, prefix: string, label: string, rest: Record<string, unknown>): Built {
  const pence = amount(values, prefix, label);
  return typeof pence === 'number' ? { body: { amountPence: pence, ...rest } } : { errors: [pence] };
}

const backTo = (values: Record<string, string>): PageName => (values.returnTo === 'challenge' ? 'challenge' : 'home');

export const FORM_ACTIONS = {
  inviteForm: {
    api: membershipRoutes.inviteCouncil,
    page: 'challenge',
    done: 'invited',
    prefix: 'invite',
    fields: ['council', 'role'],
    anchor: () => 'invite-council',
    body: (v) => (v.council ? { body: { council: v.council, role: v.role || 'partner' } } : { errors: [{ field: 'invite-council', message: 'Choose a council to invite' }] }),
  },
  acceptForm: { api: membershipRoutes.acceptMember, page: backTo, done: 'accepted', prefix: 'accept', fields: ['returnTo'], anchor: () => 'main-content' },
  declineForm: { api: membershipRoutes.declineMember, page: backTo, done: 'declined', prefix: 'decline', fields: ['returnTo'], anchor: () => 'main-content' },
  approveAgreementForm: { api: agreementRoutes.approveShareAgreement, page: 'shares', done: 'approved', prefix: 'approve', fields: [], anchor: (p) => `agreement-${p.version}` },
  rejectAgreementForm: {
    api: agreementRoutes.rejectShareAgreement,
    page: 'shares',
    done: 'rejected',
    prefix: 'reject',
    fields: ['reason'],
    anchor: () => 'reject-reason',
    // The reject operation's body is optional: no reason, no body.
    body: (v) => ({ body: optional(v, ['reason']) }),
  },
  pledgeForm: { api: moneyRoutes.setPledge, page: 'money', done: 'pledged', prefix: 'pledge', fields: ['amount'], anchor: () => 'pledge-amount', body: (v) => withAmount(v, 'pledge', 'pledged total', {}) },
  commitmentForm: {
    api: moneyRoutes.recordCommitment,
    page: 'money',
    done: 'committed',
    prefix: 'commitment',
    fields: ['amount', 'reference'],
    anchor: () => 'commitment-amount',
    body: (v) => withAmount(v, 'commitment', 'amount to commit', optional(v, ['reference'])),
  },
  receiptForm: {
    api: moneyRoutes.recordReceipt,
    page: 'money',
    done: 'received',
    prefix: 'receipt',
    fields: ['council', 'amount', 'reference'],
    anchor: () => 'receipt-council',
    body: (v) => (v.council ? withAmount(v, 'receipt', 'amount received', { council: v.council, ...optional(v, ['reference']) }) : { errors: [{ field: 'receipt-council', message: 'Choose the member the money came from' }] }),
  },
  costForm: {
    api: moneyRoutes.recordCost,
    page: 'money',
    done: 'cost',
    prefix: 'cost',
    fields: ['amount', 'description', 'supplier', 'category', 'reference'],
    anchor: () => 'cost-amount',
    body: (v) => {
      const missing = v.description?.trim() ? [] : [{ field: 'cost-description', message: 'Enter what the cost was for' }];
      const result = withAmount(v, 'cost', 'amount', { description: v.description?.trim(), ...optional(v, ['supplier', 'category', 'reference']) });
      const errors = [...('errors' in result ? result.errors : []), ...missing];
      return errors.length ? { errors } : result;
    },
  },
  reverseForm: {
    api: moneyRoutes.reverseCost,
    page: 'ledger',
    done: 'reversed',
    prefix: 'reverse',
    fields: ['reason', 'entryId'],
    anchor: () => 'reverse-reason',
    body: (v) => (v.reason?.trim() ? { body: { reason: v.reason.trim() } } : { errors: [{ field: 'reverse-reason', message: 'Enter why the cost is being reversed' }] }),
  },
} satisfies Record<string, FormAction>;

export type FormActionName = keyof typeof FORM_ACTIONS;

/** The hub's field errors (`body.amountPence`...) on the form's own fields. */
export function fieldErrorsOf(action: FormAction, errors: ReadonlyArray<{ path: string; message: string }> | undefined, fallback: string): FieldError[] {
  return (errors ?? []).map((e) => {
    const m = /^body\.([A-Za-z]+)/.exec(e.path);
    const name = m?.[1] === 'amountPence' ? 'amount' : m?.[1];
    const field = name && action.fields.includes(name) ? `${action.prefix}-${name}` : fallback;
    return { field, message: e.message };
  });
}
