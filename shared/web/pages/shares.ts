/** Share agreements: the active and the pending one, cost and risk shares side by side, who has approved, and the forms to answer. */
import { fundingMemberCaller, open } from '../../access';
import { awaitingApproval, coversExactly } from '../../domain/agreement-lifecycle';
import type { Agreement } from '../../domain/agreement-lifecycle';
import { fundingCouncils } from '../../domain/agreements';
import type { ChallengeState } from '../../domain/records';
import { isRefusal } from '../../domain/transition';
import { shareChart } from '../charts';
import { button, formSecrets, insetText, summaryList, table, tag, textarea } from '../components';
import { BASIS_LABELS, percent, when } from '../format';
import { html, raw, type SafeHtml } from '../html';
import { challengeHeader, councilLabel, councilNames, formErrors, formFor, nameOf, type Page, type PageInput } from './common';

const STATUS_COLOUR: Record<Agreement['status'], string> = {
  active: 'govuk-tag--green',
  pending: 'govuk-tag--yellow',
  superseded: 'govuk-tag--grey',
  rejected: 'govuk-tag--red',
};

function sharesOf(a: Agreement, names: ReadonlyMap<string, string>, id: string): SafeHtml {
  const rows = a.shares.map((s) => ({ council: s.council, name: nameOf(names, s.council), costBps: s.costBps, riskBps: s.riskBps }));
  const chart = shareChart(rows, id);
  return html`<figure class="hub-figure" aria-describedby="${id}-table-caption">${chart.svg}</figure>
${table({
  caption: `Version ${a.version}: shares by council`,
  captionClass: 'govuk-table__caption--s',
  id: `${id}-table`,
  columns: [{ header: 'Council' }, { header: 'Cost share', numeric: true }, { header: 'Risk share', numeric: true }, { header: 'Approved' }],
  rows: a.shares.map((s) => [councilLabel(names, s.council), percent(s.costBps), percent(s.riskBps), a.approvals.includes(s.council) ? 'Yes' : a.status === 'pending' ? 'Not yet' : '—']),
})}`;
}

function answerForms(state: ChallengeState, a: Agreement, input: PageInput): SafeHtml {
  const member = fundingMemberCaller(state, input.session.caller, 'officer');
  if (isRefusal(member) || open(state) !== null || !awaitingApproval(a).includes(member.council)) return raw('');
  const base = `/challenges/${state.challenge.id}/share-agreements/${a.version}`;
  const rejecting = formFor(input, 'rejectAgreementForm');
  return html`<div class="hub-card"><h3 class="govuk-heading-s">Your council’s answer to version ${a.version}</h3>
<form method="post" action="${base}/approve" novalidate>${formSecrets(input.session.csrf)}${button(`Approve version ${a.version}`)}</form>
<form method="post" action="${base}/reject" novalidate>${formSecrets(input.session.csrf)}${textarea({ id: 'reject-reason', name: 'reason', label: 'Reason for rejecting (optional)', value: rejecting.values.reason, errors: rejecting.errors, rows: 2 })}${button(`Reject version ${a.version}`, 'warning')}</form></div>`;
}

function agreementSection(state: ChallengeState, a: Agreement, names: ReadonlyMap<string, string>, input: PageInput, heading: string): SafeHtml {
  const awaiting = awaitingApproval(a);
  const covers = coversExactly(a, fundingCouncils(state));
  return html`<section class="hub-section" aria-labelledby="agreement-${a.version}">
<h2 class="govuk-heading-m" id="agreement-${a.version}">${heading}: version ${a.version}</h2>
<p class="govuk-body">${tag(a.status === 'pending' ? 'Waiting for approval' : a.status === 'active' ? 'Active' : a.status, STATUS_COLOUR[a.status])}</p>
${summaryList([
  ['Basis', BASIS_LABELS[a.basis] ?? a.basis],
  ['Proposed', `${when(a.proposedAt)} by ${nameOf(names, a.proposedBy.council)}`],
  ...(a.activatedAt ? [['Active since', when(a.activatedAt)] as [string, string]] : []),
  ['Approved by', a.approvals.map((c) => nameOf(names, c)).join(', ') || 'Nobody yet'],
  ...(a.status === 'pending' ? [['Waiting for', awaiting.map((c) => nameOf(names, c)).join(', ') || 'Nobody']] as Array<[string, string]> : []),
  ['Covers today’s funding members', covers ? 'Yes' : 'No: the funding members have changed since, so costs need a new agreement'],
])}
${sharesOf(a, names, `agreement-${a.version}-chart`)}
${a.status === 'pending' ? answerForms(state, a, input) : raw('')}
</section>`;
}

export async function sharesPage(state: ChallengeState, input: PageInput): Promise<Page> {
  const names = await councilNames([...state.members.map((m) => m.council), ...(input.session.caller.council ? [input.session.caller.council] : [])]);
  const errors = formErrors(input);
  const active = state.agreements.find((a) => a.status === 'active');
  const pending = state.agreements.find((a) => a.status === 'pending');
  const history = state.agreements.filter((a) => a !== active && a !== pending).reverse();
  return {
    title: `Shares – ${state.challenge.title}`,
    errors,
    names,
    backLink: { href: '/', text: 'Your challenges' },
    body: html`${challengeHeader(state, 'shares', 'Share agreements', input, errors)}
<p class="govuk-body">A cost within the committed funds is split by cost shares; any overrun beyond them by risk shares. Shares are kept in basis points (1% is 100) and each column adds up to exactly 100%.</p>
${pending ? agreementSection(state, pending, names, input, 'Proposed') : raw('')}
${active ? agreementSection(state, active, names, input, 'Current agreement') : insetText('No share agreement is active yet: costs cannot be recorded until one is.')}
${history.length
  ? table({
      caption: 'Earlier versions',
      columns: [{ header: 'Version' }, { header: 'Basis' }, { header: 'Status' }, { header: 'Proposed' }],
      rows: history.map((a) => [String(a.version), BASIS_LABELS[a.basis] ?? a.basis, a.status === 'rejected' ? `Rejected by ${nameOf(names, a.rejectedBy ?? '')}${a.reason ? `: ${a.reason}` : ''}` : `Superseded by version ${a.supersededBy ?? '?'}`, when(a.proposedAt)]),
    })
  : raw('')}`,
  };
}
