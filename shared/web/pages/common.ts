/** What every page of a challenge shares: its heading, its pages' navigation, council names, refused forms. */
import type { ChallengeState } from '../../domain/records';
import { getCouncils, listCouncils } from '../../store/councils';
import { errorSummary, type FieldError, type FormState, notification, tag } from '../components';
import { STAGE_LABELS, STAGE_TAG } from '../format';
import { html, raw, type SafeHtml } from '../html';
import type { Session } from '../session';

export type ChallengeTab = 'overview' | 'shares' | 'money' | 'ledger' | 'activity';

const TABS: ReadonlyArray<[ChallengeTab, string, string]> = [
  ['overview', 'Overview', ''],
  ['shares', 'Shares', '/shares'],
  ['money', 'Money', '/money'],
  ['ledger', 'Ledger', '/ledger'],
  ['activity', 'Activity', '/activity'],
];

/** Everything a page renders from, besides its own data. */
export interface PageInput {
  session: Session;
  query: URLSearchParams;
  /** A refused form to show again, with its errors. */
  form?: FormState | undefined;
  /** The hub's problem detail for that form (the error summary's first line). */
  problem?: { detail: string; field: string } | undefined;
}

export interface Page {
  title: string;
  body: SafeHtml;
  errors: FieldError[];
  status?: number;
  current?: 'home';
  backLink?: { href: string; text: string };
  /** Council names the page read already (the caller's included): the layout needs no read of its own. */
  names?: ReadonlyMap<string, string>;
}

/** The error summary's entries: the hub's own detail first, then each field. */
export function formErrors(input: PageInput): FieldError[] {
  if (!input.form) return [];
  const first = input.problem ? [{ field: input.problem.field, message: input.problem.detail }] : [];
  return [...first, ...input.form.errors.filter((e) => e.message !== input.problem?.detail)];
}

/** The values and errors to show in the form named `action` (none for any other form). */
export function formFor(input: PageInput, action: string): { values: Record<string, string>; errors: FieldError[] } {
  return input.form?.action === action ? { values: input.form.values, errors: input.form.errors } : { values: {}, errors: [] };
}

export function challengeHeader(state: ChallengeState, tab: ChallengeTab, heading: string, input: PageInput, errors: FieldError[]): SafeHtml {
  const c = state.challenge;
  const base = `/challenges/${c.id}`;
  const done = input.query.get('done');
  return html`${errorSummary(errors)}${notification(done ? DONE_MESSAGES[done] : undefined)}
<span class="govuk-caption-l">${c.title}</span>
<h1 class="govuk-heading-l">${heading} ${tag(STAGE_LABELS[c.stage], STAGE_TAG[c.stage])}</h1>
<nav class="hub-subnav" aria-label="Challenge"><ul class="hub-subnav__list">${TABS.map(
    ([key, text, path]) =>
      html`<li class="hub-subnav__item${key === tab ? ' hub-subnav__item--current' : ''}"><a class="govuk-link govuk-link--no-visited-state hub-subnav__link" href="${base}${path}"${raw(key === tab ? ' aria-current="page"' : '')}>${text}</a></li>`,
  )}</ul></nav>`;
}

/** What the banner says after a form worked (`?done=` on the page it lands on). */
export const DONE_MESSAGES: Record<string, string> = {
  invited: 'Invitation sent',
  accepted: 'Accepted',
  declined: 'Declined',
  approved: 'You approved the share agreement',
  rejected: 'You rejected the share agreement',
  pledged: 'Pledge set',
  committed: 'Commitment recorded',
  received: 'Receipt recorded',
  cost: 'Cost recorded and split between the members',
  reversed: 'Cost reversed',
};

/** Council names from the register, by code (a code stands in for an unregistered one). */
export async function councilNames(codes: Iterable<string>): Promise<Map<string, string>> {
  const wanted = [...new Set(codes)];
  const found = wanted.length ? await getCouncils(wanted, ['name']) : new Map();
  return new Map(wanted.map((code) => [code, (found.get(code)?.name as string | undefined) ?? code]));
}

export const nameOf = (names: ReadonlyMap<string, string>, code: string) => names.get(code) ?? code;

/** "Coventry City Council (E08000026)". */
export const councilLabel = (names: ReadonlyMap<string, string>, code: string) => {
  const name = names.get(code);
  return name && name !== code ? `${name} (${code})` : code;
};

/** What the caller is, in words: "Birmingham City Council · officer, finance". */
export function whoLabel(session: Session, names: ReadonlyMap<string, string>): string {
  const groups = [...session.caller.groups].join(', ') || 'no groups';
  return session.caller.council ? `${nameOf(names, session.caller.council)} (${groups})` : `a hub administrator (${groups})`;
}

/** The council register, in code order (at most 1,000: one page of 100 per read). */
export async function registeredCouncils(): Promise<Array<{ code: string; name: string }>> {
  const all: Array<{ code: string; name: string }> = [];
  let cursor: string | undefined;
  for (let page = 0; page < 10; page++) {
    const got = await listCouncils({ limit: 100, cursor });
    all.push(...got.items.map((c) => ({ code: c.code, name: c.name })));
    cursor = got.nextCursor;
    if (!cursor) break;
  }
  return all;
}
