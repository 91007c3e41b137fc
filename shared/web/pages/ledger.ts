/** The ledger: paged, oldest first, filtered by type and council; a cost can be reversed from here. */
import { leadFinance, open } from '../../access';
import { partOf } from '../../domain/account';
import type { StoredEntry } from '../../domain/ledger';
import type { ChallengeState } from '../../domain/records';
import { ledgerEntryType, type LedgerEntryType } from '../../schemas/common';
import { type FoundEntry, ledgerPage, readEntry } from '../../store/ledger';
import { ledgerCursorAfter } from '../../store/ledger-recent';
import { button, formSecrets, insetText, pagination, select, summaryList, table, textarea } from '../components';
import { ENTRY_LABELS, pounds, when } from '../format';
import { html, raw, type SafeHtml } from '../html';
import { challengeHeader, councilLabel, councilNames, formErrors, formFor, nameOf, type Page, type PageInput } from './common';

export const LEDGER_PAGE_SIZE = 25;
/** A filtered page reads at most this many entries before it stops and offers the next page. */
const SCAN_LIMIT = 1_000;

export interface LedgerFilter {
  type?: LedgerEntryType | undefined;
  council?: string | undefined;
}

export const touches = (entry: StoredEntry, f: LedgerFilter) =>
  (!f.type || entry.type === f.type) && (!f.council || partOf(entry, f.council) !== undefined || entry.council === f.council);

/** A page of matching entries: reads pages of the ledger until it has `limit` or has read SCAN_LIMIT. */
export async function filteredLedger(id: string, filter: LedgerFilter, cursor: string | undefined, limit = LEDGER_PAGE_SIZE) {
  if (!filter.type && !filter.council) return ledgerPage(id, limit, cursor);
  const items: FoundEntry[] = [];
  let next = cursor;
  let read = 0;
  do {
    const page = await ledgerPage(id, 100, next);
    next = page.nextCursor;
    for (const [i, found] of page.items.entries()) {
      read++;
      if (!touches(found.entry, filter)) continue;
      items.push(found);
      if (items.length === limit) {
        const more = i < page.items.length - 1 || next !== undefined;
        return { items, ...(more ? { nextCursor: ledgerCursorAfter(id, found.entry.id) } : {}) };
      }
    }
  } while (next && read < SCAN_LIMIT);
  return { items, ...(next ? { nextCursor: next } : {}) };
}

export function parseFilter(query: URLSearchParams, state: ChallengeState): LedgerFilter {
  const type = ledgerEntryType.safeParse(query.get('type'));
  const council = query.get('council');
  return {
    type: type.success ? type.data : undefined,
    council: council && state.members.some((m) => m.council === council) ? council : undefined,
  };
}

const filterQuery = (f: LedgerFilter, extra: Record<string, string> = {}) =>
  new URLSearchParams({ ...(f.type ? { type: f.type } : {}), ...(f.council ? { council: f.council } : {}), ...extra }).toString();

function details(e: StoredEntry, names: ReadonlyMap<string, string>): SafeHtml {
  const bits = [e.description, e.supplier && `supplier ${e.supplier}`, e.category && `category ${e.category}`, e.reference && `ref ${e.reference}`, e.reason && `reason: ${e.reason}`]
    .filter(Boolean)
    .join(' · ');
  const allocations = e.allocations?.length
    ? html`<details class="govuk-details hub-details--compact"><summary class="govuk-details__summary"><span class="govuk-details__summary-text">Split between ${e.allocations.length} ${e.allocations.length === 1 ? 'council' : 'councils'}</span></summary><div class="govuk-details__text"><ul class="govuk-list hub-list--tight">${e.allocations.map((a) => html`<li>${nameOf(names, a.council)}: ${pounds(a.costPence + a.riskPence)}${a.riskPence !== 0 ? ` (${pounds(a.riskPence)} of it by risk share)` : ''}</li>`)}</ul></div></details>`
    : raw('');
  return html`${bits}${allocations}`;
}

function reversalForm(state: ChallengeState, found: FoundEntry | undefined, entryId: string, input: PageInput, names: ReadonlyMap<string, string>): SafeHtml {
  if (!found || found.entry.type !== 'cost') return insetText(`There is no cost ${entryId} to reverse.`);
  if (found.reversedBy) return insetText('That cost has already been reversed.');
  const { values, errors } = formFor(input, 'reverseForm');
  const e = found.entry;
  return html`<div class="hub-card"><h2 class="govuk-heading-m" id="reverse-heading">Reverse a cost</h2>
${summaryList([
  ['Cost', `${pounds(e.amountPence)}: ${e.description ?? ''}`],
  ['Recorded', `${when(e.recordedAt)} by ${nameOf(names, e.recordedBy.council)}`],
])}
<p class="govuk-body">The reversal is a new entry with exactly the negated split, so every council gets back its part. The cost itself stays in the ledger.</p>
<form method="post" action="/challenges/${state.challenge.id}/costs/${e.id}/reverse" novalidate aria-labelledby="reverse-heading">${formSecrets(input.session.csrf)}
${textarea({ id: 'reverse-reason', name: 'reason', label: 'Why it is being reversed', value: values.reason, errors })}
${button('Reverse cost', 'warning')} <a class="govuk-link hub-cancel" href="/challenges/${state.challenge.id}/ledger">Cancel</a></form></div>`;
}

export async function ledgerPageView(state: ChallengeState, input: PageInput): Promise<Page> {
  const id = state.challenge.id;
  const filter = parseFilter(input.query, state);
  const cursor = input.query.get('cursor') ?? undefined;
  const reversing = input.query.get('reverse') ?? (input.form?.action === 'reverseForm' ? input.form.values.entryId : undefined);
  const canReverse = leadFinance(state, input.session.caller) === null && open(state) === null;
  const [page, names, target] = await Promise.all([
    filteredLedger(id, filter, cursor),
    councilNames([...state.members.map((m) => m.council), ...(input.session.caller.council ? [input.session.caller.council] : [])]),
    canReverse && reversing && /^[0-9A-Z]{26}$/.test(reversing) ? readEntry(id, reversing) : Promise.resolve(undefined),
  ]);
  const errors = formErrors(input);

  const filterForm = html`<form method="get" action="/challenges/${id}/ledger" class="hub-filter" novalidate>
${select({ id: 'type', label: 'Type', value: filter.type ?? '', options: [{ value: '', text: 'All types' }, ...ledgerEntryType.options.map((t) => ({ value: t, text: ENTRY_LABELS[t] }))] })}
${select({ id: 'council', label: 'Council', value: filter.council ?? '', options: [{ value: '', text: 'All councils' }, ...state.members.map((m) => ({ value: m.council, text: councilLabel(names, m.council) }))] })}
${button('Show entries', 'secondary')}</form>`;

  const columns = [
    { header: 'When' },
    { header: 'Type' },
    { header: 'Council' },
    { header: 'Amount', numeric: true },
    ...(filter.council ? [{ header: `${nameOf(names, filter.council)}’s part`, numeric: true }] : []),
    { header: 'Details' },
    ...(canReverse ? [{ header: 'Action' }] : []),
  ];
  const rows = page.items.map(({ entry: e, reversedBy }) => {
    const part = filter.council ? partOf(e, filter.council) : undefined;
    return [
      when(e.recordedAt),
      html`${ENTRY_LABELS[e.type]}${e.type === 'cost' && reversedBy ? html` <strong class="govuk-tag govuk-tag--grey">Reversed</strong>` : ''}`,
      e.council ? nameOf(names, e.council) : e.type === 'cost' || e.type === 'cost_reversal' ? 'Split' : '',
      pounds(e.amountPence),
      ...(filter.council ? [part && (e.type === 'cost' || e.type === 'cost_reversal') ? pounds(part.costPence + part.riskPence) : '—'] : []),
      details(e, names),
      ...(canReverse ? [e.type === 'cost' && !reversedBy ? html`<a class="govuk-link" href="/challenges/${id}/ledger?${filterQuery(filter, { reverse: e.id })}">Reverse<span class="govuk-visually-hidden"> the cost of ${pounds(e.amountPence)} recorded ${when(e.recordedAt)}</span></a>` : ''] : []),
    ] as Array<SafeHtml | string>;
  });

  const q = filterQuery(filter);
  return {
    title: `Ledger – ${state.challenge.title}`,
    errors,
    names,
    backLink: { href: '/', text: 'Your challenges' },
    body: html`${challengeHeader(state, 'ledger', 'Ledger', input, errors)}
${canReverse && reversing ? reversalForm(state, target, reversing, input, names) : raw('')}
<p class="govuk-body">Every entry, oldest first. Entries never change: a mistaken cost is corrected by reversing it.</p>
${filterForm}
${rows.length ? table({ caption: filter.type || filter.council ? 'Matching entries' : 'Entries', columns, rows, scroll: true, small: true }) : insetText(cursor ? 'No more matching entries.' : 'No matching entries.')}
<p class="govuk-body"><a class="govuk-link" href="/challenges/${id}/ledger.csv${q ? `?${q}` : ''}" download>Download ${filter.type || filter.council ? 'these entries' : 'the ledger'} (CSV)</a></p>
${pagination(page.nextCursor ? `/challenges/${id}/ledger?${filterQuery(filter, { cursor: page.nextCursor })}` : undefined, cursor ? { href: `/challenges/${id}/ledger${q ? `?${q}` : ''}`, text: 'First page' } : undefined)}`,
  };
}
