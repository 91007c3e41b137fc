/** The challenge: its problem, its stages (and what the next one needs), its members, and the forms for them. */
import { isActiveMember, leadOfficer } from '../../access';
import { stageContext } from '../../domain/agreements';
import { FORWARD_STAGES, isTerminal, membershipChangeConflict, stageMoveConflict } from '../../domain/consortium';
import type { ChallengeState } from '../../domain/records';
import { memberOf } from '../../domain/records';
import type { Stage } from '../../schemas/common';
import { button, formSecrets, insetText, radios, select, summaryList, table, tag } from '../components';
import { pounds, PROCUREMENT_LABELS, ROLE_LABELS, STAGE_LABELS, STATUS_LABELS, STATUS_TAG, when } from '../format';
import { html, raw, type SafeHtml } from '../html';
import { answerForms } from './home';
import { challengeHeader, councilLabel, councilNames, formErrors, formFor, nameOf, type Page, type PageInput, registeredCouncils } from './common';

/** What moving into each guarded stage needs (domain.md, Stages), in words; the live check is stageMoveConflict. */
const NEEDS: Partial<Record<Stage, string>> = {
  forming: 'a problem statement and a “how might we” question, both filled in',
  procurement:
    'an active share agreement that covers exactly the current funding members, and committed funds of at least the target budget when one is set; from procurement on, membership is locked',
};

function stageSteps(state: ChallengeState): SafeHtml {
  const { stage } = state.challenge;
  const at = FORWARD_STAGES.indexOf(stage);
  const next = at >= 0 ? FORWARD_STAGES[at + 1] : undefined;
  const conflict = next ? stageMoveConflict(state.challenge, next, stageContext(state)) : null;
  const steps = FORWARD_STAGES.map((s, i) => {
    const status = stage === 'cancelled' ? 'Not reached' : i < at ? 'Done' : i === at ? 'Current stage' : s === next ? 'Next' : 'Later';
    const colour = status === 'Done' ? 'govuk-tag--green' : status === 'Current stage' ? 'govuk-tag--blue' : status === 'Next' ? 'govuk-tag--yellow' : 'govuk-tag--grey';
    const needs = s === next
      ? html`<p class="govuk-body-s hub-steps__needs">${NEEDS[s] ? `Needs ${NEEDS[s]}.` : 'No conditions: the lead council’s officer moves it on when ready.'} ${conflict ? html`<strong>Not yet:</strong> ${conflict.detail}` : html`<strong>Ready:</strong> the lead council’s officer can move it on.`}</p>`
      : raw('');
    return html`<li class="hub-steps__item${i === at ? ' hub-steps__item--current' : ''}"${raw(i === at ? ' aria-current="step"' : '')}><span class="hub-steps__name">${STAGE_LABELS[s]}</span> ${tag(status, colour)}${needs}</li>`;
  });
  return html`<h2 class="govuk-heading-m" id="stages">Stages</h2>
${stage === 'cancelled' ? insetText('This challenge was cancelled: nothing but reading is possible.') : raw('')}
${stage === 'closed' ? insetText('This challenge is closed: nothing but reading is possible.') : raw('')}
<ol class="govuk-list govuk-list--number hub-steps" aria-labelledby="stages">${steps}</ol>
<p class="govuk-body-s">Only the lead council’s officer moves the challenge, one stage at a time (or cancels it before it closes).</p>`;
}

async function inviteForm(state: ChallengeState, input: PageInput): Promise<SafeHtml> {
  const { values, errors } = formFor(input, 'inviteForm');
  const taken = new Set(state.members.filter((m) => m.status === 'active' || m.status === 'invited' || m.status === 'requested').map((m) => m.council));
  const councils = (await registeredCouncils()).filter((c) => !taken.has(c.code));
  if (councils.length === 0) return html`<h2 class="govuk-heading-m">Invite a council</h2>${insetText('Every registered council is already a member or invited.')}`;
  return html`<h2 class="govuk-heading-m" id="invite-heading">Invite a council</h2>
<form method="post" action="/challenges/${state.challenge.id}/invitations" novalidate aria-labelledby="invite-heading">${formSecrets(input.session.csrf)}
${select({ id: 'invite-council', name: 'council', label: 'Council', value: values.council, errors, options: [{ value: '', text: 'Choose a council' }, ...councils.map((c) => ({ value: c.code, text: `${c.name} (${c.code})` }))] })}
${radios({ id: 'invite-role', name: 'role', legend: 'Role', value: values.role ?? 'partner', errors, small: true, options: [{ value: 'partner', text: 'Partner', hint: 'Funds the challenge and holds cost and risk shares' }, { value: 'observer', text: 'Observer', hint: 'Reads, but holds no shares or money' }] })}
${button('Send invitation')}</form>`;
}

export async function challengePage(state: ChallengeState, input: PageInput): Promise<Page> {
  const { caller, csrf } = input.session;
  const c = state.challenge;
  const names = await councilNames([...state.members.map((m) => m.council), c.leadCouncil, ...(caller.council ? [caller.council] : [])]);
  const errors = formErrors(input);
  const active = isActiveMember(state, caller.council);
  const mine = memberOf(state, caller.council);

  const summary = summaryList([
    ['Lead council', councilLabel(names, c.leadCouncil)],
    ['Visibility', c.visibility === 'public' ? 'Public: a call for partners any council can see' : 'Consortium: only councils with a membership can see it'],
    ['Procurement route', PROCUREMENT_LABELS[c.procurementRoute] ?? c.procurementRoute],
    ['Target budget', c.targetBudgetPence === undefined ? 'Not set' : pounds(c.targetBudgetPence)],
    ['Themes', c.themes.length ? c.themes.join(', ') : 'None'],
    ['Created', when(c.createdAt)],
  ]);

  const problem = active
    ? html`<h2 class="govuk-heading-m">The problem</h2><p class="govuk-body hub-prose">${c.statement || 'No statement yet.'}</p>
<h2 class="govuk-heading-m">How might we…</h2><p class="govuk-body hub-prose">${c.howMightWe || 'Not written yet.'}</p>
<h2 class="govuk-heading-m">Outcomes</h2>${c.outcomes.length ? html`<ul class="govuk-list govuk-list--bullet">${c.outcomes.map((o) => html`<li>${o}</li>`)}</ul>` : html`<p class="govuk-body">None listed yet.</p>`}`
    : insetText('The problem statement, money and records are for the consortium’s active members.');

  const members = table({
    caption: 'Members',
    columns: [{ header: 'Council' }, { header: 'Role' }, { header: 'Status' }, { header: 'Since' }],
    rows: state.members.map((m) => [
      councilLabel(names, m.council),
      ROLE_LABELS[m.role],
      tag(STATUS_LABELS[m.status], STATUS_TAG[m.status]),
      when(m.leftAt ?? m.joinedAt ?? m.requestedAt ?? m.invitedAt ?? m.updatedAt),
    ]),
  });

  const officer = caller.groups.has('officer');
  const invitation =
    mine?.status === 'invited'
      ? html`<div class="hub-card"><h2 class="govuk-heading-m">Your invitation</h2><p class="govuk-body">${nameOf(names, c.leadCouncil)} invited ${nameOf(names, mine.council)} to join as ${mine.role === 'observer' ? 'an observer' : 'a partner'}.</p>${officer ? answerForms(c.id, mine.council, csrf, 'challenge', { accept: 'Accept invitation', decline: 'Decline invitation' }) : html`<p class="govuk-body">An officer of your council can accept or decline it.</p>`}</div>`
      : raw('');
  const lead = leadOfficer(state, caller) === null;
  const requests = lead ? state.members.filter((m) => m.status === 'requested') : [];
  const requestsHtml = requests.length
    ? html`<h2 class="govuk-heading-m">Requests to join</h2>${requests.map((m) => html`<div class="hub-card"><p class="govuk-body">${nameOf(names, m.council)} asked to join as ${m.role === 'observer' ? 'an observer' : 'a partner'}.</p>${answerForms(c.id, m.council, csrf, 'challenge', { accept: 'Approve request', decline: 'Reject request' }, `from ${nameOf(names, m.council)}`)}</div>`)}`
    : raw('');
  const invite = lead && membershipChangeConflict(c.stage) === null && !isTerminal(c.stage) ? await inviteForm(state, input) : raw('');

  return {
    title: c.title,
    errors,
    names,
    backLink: { href: '/', text: 'Your challenges' },
    body: html`${challengeHeader(state, 'overview', 'Overview', input, errors)}${invitation}${summary}${problem}${stageSteps(state)}${members}${requestsHtml}${invite}`,
  };
}
