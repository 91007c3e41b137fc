/** Money: the statement with each balance either side of zero, the pool over time, downloads, and the money forms. */
import { fundingMemberCaller, leadFinance, open } from '../../access';
import { fundingMembers } from '../../domain/consortium';
import { figuresOf, headroomPence } from '../../domain/ledger';
import type { ChallengeState } from '../../domain/records';
import { isRefusal } from '../../domain/transition';
import { latestEntries } from '../../store/ledger-recent';
import { statementMembers, statementView } from '../../views';
import { balanceChart, poolChart } from '../charts';
import { button, formSecrets, input as textInput, insetText, moneyInput, select, summaryList, table } from '../components';
import { percent, pounds, poundsInput, when } from '../format';
import { html, raw, type SafeHtml } from '../html';
import { poolSeries } from '../pool-series';
import { challengeHeader, councilLabel, councilNames, formErrors, formFor, nameOf, type Page, type PageInput } from './common';

/** How many of the newest entries the chart draws: one backward read, whatever the ledger's length. */
export const CHART_ENTRIES = 200;

const amountHint = 'In pounds and pence, for example 1250.00';

function pledgeForm(state: ChallengeState, input: PageInput, council: string, currentPence: number): SafeHtml {
  const { values, errors } = formFor(input, 'pledgeForm');
  return html`<div class="hub-card"><h3 class="govuk-heading-s" id="pledge-heading">Set your council’s pledge</h3>
<form method="post" action="/challenges/${state.challenge.id}/pledges/${council}" novalidate aria-labelledby="pledge-heading">${formSecrets(input.session.csrf)}
${moneyInput({ id: 'pledge-amount', name: 'amount', label: 'Pledged total', hint: `Replaces the pledge (now ${pounds(currentPence)}). ${amountHint}`, value: values.amount ?? poundsInput(currentPence), errors })}
${button('Set pledge')}</form></div>`;
}

function commitmentForm(state: ChallengeState, input: PageInput): SafeHtml {
  const { values, errors } = formFor(input, 'commitmentForm');
  return html`<div class="hub-card"><h3 class="govuk-heading-s" id="commitment-heading">Make a commitment</h3>
<form method="post" action="/challenges/${state.challenge.id}/commitments" novalidate aria-labelledby="commitment-heading">${formSecrets(input.session.csrf)}
${moneyInput({ id: 'commitment-amount', name: 'amount', label: 'Amount to commit', hint: `Total commitments never go above the pledge. ${amountHint}`, value: values.amount, errors })}
${textInput({ id: 'commitment-reference', name: 'reference', label: 'Your reference (optional)', value: values.reference, errors, classes: 'govuk-input--width-20' })}
${button('Commit funds')}</form></div>`;
}

function receiptForm(state: ChallengeState, input: PageInput, names: ReadonlyMap<string, string>): SafeHtml {
  const { values, errors } = formFor(input, 'receiptForm');
  const members = fundingMembers(state.members);
  return html`<div class="hub-card"><h3 class="govuk-heading-s" id="receipt-heading">Record money received</h3>
<form method="post" action="/challenges/${state.challenge.id}/receipts" novalidate aria-labelledby="receipt-heading">${formSecrets(input.session.csrf)}
${select({ id: 'receipt-council', name: 'council', label: 'Received from', value: values.council, errors, options: [{ value: '', text: 'Choose a member' }, ...members.map((m) => ({ value: m.council, text: councilLabel(names, m.council) }))] })}
${moneyInput({ id: 'receipt-amount', name: 'amount', label: 'Amount received', hint: `Never more than the member has committed. ${amountHint}`, value: values.amount, errors })}
${textInput({ id: 'receipt-reference', name: 'reference', label: 'Your reference (optional)', value: values.reference, errors, classes: 'govuk-input--width-20' })}
${button('Record receipt')}</form></div>`;
}

function costForm(state: ChallengeState, input: PageInput): SafeHtml {
  const { values, errors } = formFor(input, 'costForm');
  return html`<div class="hub-card"><h3 class="govuk-heading-s" id="cost-heading">Record a cost</h3>
<p class="govuk-body-s">Split between the funding members when it is recorded: within the committed funds by cost shares, any overrun by risk shares, to the penny.</p>
<form method="post" action="/challenges/${state.challenge.id}/costs" novalidate aria-labelledby="cost-heading">${formSecrets(input.session.csrf)}
${moneyInput({ id: 'cost-amount', name: 'amount', label: 'Amount', hint: amountHint, value: values.amount, errors })}
${textInput({ id: 'cost-description', name: 'description', label: 'What it was for', value: values.description, errors })}
${textInput({ id: 'cost-supplier', name: 'supplier', label: 'Supplier (optional)', value: values.supplier, errors, classes: 'govuk-input--width-20' })}
${textInput({ id: 'cost-category', name: 'category', label: 'Category (optional)', value: values.category, errors, classes: 'govuk-input--width-20' })}
${textInput({ id: 'cost-reference', name: 'reference', label: 'Your reference (optional)', value: values.reference, errors, classes: 'govuk-input--width-20' })}
${button('Record cost')}</form></div>`;
}

export async function moneyPage(state: ChallengeState, input: PageInput): Promise<Page> {
  const { caller } = input.session;
  const id = state.challenge.id;
  const rows = statementMembers(state).map((m) => m.council);
  const [names, recent] = await Promise.all([
    councilNames([...state.members.map((m) => m.council), ...(caller.council ? [caller.council] : [])]),
    latestEntries(id, CHART_ENTRIES),
  ]);
  const statement = statementView(state, new Map(rows.map((c) => [c, nameOf(names, c)])));
  const errors = formErrors(input);
  const t = statement.totals;
  const headroom = headroomPence(state.members.map(figuresOf));

  const balances = balanceChart(statement.members.map((m) => ({ council: m.council, name: m.name, balancePence: m.balancePence })), 'balances-chart');
  const statementTable = table({
    caption: 'Statement of account',
    id: 'statement',
    scroll: true,
    small: true,
    columns: [
      { header: 'Council' },
      { header: 'Cost / risk share', numeric: true },
      { header: 'Pledged', numeric: true },
      { header: 'Committed', numeric: true },
      { header: 'Received', numeric: true },
      { header: 'Cost allocated', numeric: true },
      { header: 'Risk allocated', numeric: true },
      { header: 'Balance', numeric: true },
      { header: 'Outstanding', numeric: true },
    ],
    rows: statement.members.map((m) => [
      html`${m.name}${m.status !== 'active' ? html` <span class="govuk-body-s">(${m.status})</span>` : ''}`,
      `${percent(m.costBps)} / ${percent(m.riskBps)}`,
      pounds(m.pledgedPence),
      pounds(m.committedPence),
      pounds(m.receivedPence),
      pounds(m.allocatedCostPence),
      pounds(m.allocatedRiskPence),
      html`<span class="${m.balancePence < 0 ? 'hub-negative' : ''}" data-council="${m.council}" data-balance-pence="${m.balancePence}">${pounds(m.balancePence)}</span>`,
      pounds(m.outstandingPence),
    ]),
    foot: ['Total', '', pounds(t.pledgedPence), pounds(t.committedPence), pounds(t.receivedPence), pounds(statement.members.reduce((s, m) => s + m.allocatedCostPence, 0)), pounds(statement.members.reduce((s, m) => s + m.allocatedRiskPence, 0)), pounds(t.poolBalancePence), pounds(statement.members.reduce((s, m) => s + m.outstandingPence, 0))],
  });

  const series = poolSeries(state.members.map(figuresOf), recent.entries);
  const pool = poolChart(series, 'pool-chart');
  const poolTable = table({
    caption: 'Pool cash and committed funds at each point drawn',
    captionClass: 'govuk-table__caption--s',
    id: 'pool-points',
    columns: [{ header: 'When' }, { header: 'Pool cash', numeric: true }, { header: 'Committed', numeric: true }],
    rows: pool.points.map((p) => [when(p.at), pounds(p.cashPence), pounds(p.committedPence)]),
  });

  const member = fundingMemberCaller(state, caller, 'finance');
  const openNow = open(state) === null;
  const forms: SafeHtml[] = [];
  if (openNow && !isRefusal(member)) {
    forms.push(pledgeForm(state, input, member.council, figuresOf(member).pledgedPence), commitmentForm(state, input));
  }
  if (openNow && leadFinance(state, caller) === null) forms.push(receiptForm(state, input, names), costForm(state, input));

  const downloads = html`<h2 class="govuk-heading-m">Downloads</h2><ul class="govuk-list">
<li><a class="govuk-link" href="/challenges/${id}/statement.csv" download>Statement of account (CSV)</a></li>
<li><a class="govuk-link" href="/challenges/${id}/ledger.csv" download>The whole ledger (CSV, one row per entry and council)</a></li>
${statement.members.map((m) => html`<li><a class="govuk-link" href="/challenges/${id}/members/${m.council}/account.csv" download>${m.name}’s account (CSV)</a></li>`)}
</ul>`;

  return {
    title: `Money – ${state.challenge.title}`,
    errors,
    names,
    backLink: { href: '/', text: 'Your challenges' },
    body: html`${challengeHeader(state, 'money', 'Money', input, errors)}
${summaryList([
  ['Pool cash', html`<span id="pool-cash">${pounds(t.poolBalancePence)}</span> <span class="govuk-body-s">(received ${pounds(t.receivedPence)} minus net spend ${pounds(t.spentPence)})</span>`],
  ['Committed funds', pounds(t.committedPence)],
  ['Headroom before an overrun', html`${pounds(headroom)} <span class="govuk-body-s">(committed minus net spend: costs beyond it are split by risk shares)</span>`],
  ['Pledged', pounds(t.pledgedPence)],
  ...(state.challenge.targetBudgetPence !== undefined ? [['Target budget', pounds(state.challenge.targetBudgetPence)] as [string, string]] : []),
  ['Share agreement', statement.agreementVersion ? `Version ${statement.agreementVersion}` : 'None active: costs cannot be recorded yet'],
])}
<h2 class="govuk-heading-m" id="balances-heading">Balances</h2>
<p class="govuk-body">A balance is what a council has paid in minus its share of the spend: below zero, it owes the pool.</p>
${statement.members.length ? html`<figure class="hub-figure" aria-labelledby="balances-heading">${balances.svg}</figure>` : insetText('No funding members yet.')}
${statementTable}
<h2 class="govuk-heading-m">The pool over time</h2>
${recent.entries.length
  ? html`${recent.complete ? raw('') : html`<p class="govuk-body">Drawn from the latest ${recent.entries.length} ledger entries, since ${when(recent.entries.at(-1)!.recordedAt)}.</p>`}<figure class="hub-figure">${pool.svg}</figure><details class="govuk-details"><summary class="govuk-details__summary"><span class="govuk-details__summary-text">The figures drawn, as a table</span></summary><div class="govuk-details__text">${poolTable}</div></details>`
  : insetText('No money has moved yet.')}
${downloads}
${forms.length ? html`<h2 class="govuk-heading-m">Record money</h2>${forms}` : raw('')}`,
  };
}
