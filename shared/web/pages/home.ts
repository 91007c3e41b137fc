/** Your challenges: the council's memberships with their stages, and the invitations and requests it must answer. */
import { inGroup, leadOfficer } from '../../access';
import type { ChallengeState } from '../../domain/records';
import { type CouncilMembership, listCouncilChallenges, loadChallengeState } from '../../store/challenges';
import { button, errorSummary, formSecrets, insetText, notification, pagination, table, tag } from '../components';
import { ROLE_LABELS, STAGE_LABELS, STAGE_TAG, STATUS_LABELS, STATUS_TAG, when } from '../format';
import { html, type SafeHtml } from '../html';
import { councilNames, DONE_MESSAGES, formErrors, nameOf, type Page, type PageInput } from './common';

/** The accept / decline pair for one pending membership, back to `returnTo` afterwards. */
export function answerForms(challengeId: string, council: string, csrf: string, returnTo: 'home' | 'challenge', labels = { accept: 'Accept', decline: 'Decline' }, context = ''): SafeHtml {
  const base = `/challenges/${challengeId}/members/${council}`;
  const hidden = html`${formSecrets(csrf)}<input type="hidden" name="returnTo" value="${returnTo}">`;
  return html`<div class="govuk-button-group hub-inline-forms"><form method="post" action="${base}/accept" novalidate>${hidden}${button(html`${labels.accept}<span class="govuk-visually-hidden"> ${context}</span>` )}</form><form method="post" action="${base}/decline" novalidate>${hidden}${button(html`${labels.decline}<span class="govuk-visually-hidden"> ${context}</span>`, 'secondary')}</form></div>`;
}

export async function homePage(input: PageInput): Promise<Page> {
  const { caller, csrf } = input.session;
  const errors = formErrors(input);
  const done = input.query.get('done');
  const top = html`${errorSummary(errors)}${notification(done ? DONE_MESSAGES[done] : undefined)}<h1 class="govuk-heading-l">Your challenges</h1>`;
  if (!caller.council) {
    return {
      title: 'Your challenges',
      current: 'home',
      errors,
      body: html`${top}${insetText('You are signed in as a hub administrator, who belongs to no council. Councils are registered through the API (PUT /v1/councils/{code}); sign in as a council’s officer or finance user to work on its challenges.')}`,
    };
  }
  const council = caller.council;
  const cursor = input.query.get('cursor') ?? undefined;
  const page = await listCouncilChallenges(council, 50, cursor);
  // Requests to join wait on the lead: read the state of each challenge this council leads (in parallel).
  const leading = page.items.filter((m) => m.membership.role === 'lead' && m.membership.status === 'active');
  const states = new Map<string, ChallengeState>();
  await Promise.all(
    leading.map(async (m) => {
      const state = await loadChallengeState(m.challenge.id, true);
      if (state) states.set(m.challenge.id, state);
    }),
  );
  const requests = [...states.values()].flatMap((s) => s.members.filter((m) => m.status === 'requested').map((m) => ({ state: s, member: m })));
  const invitations = page.items.filter((m) => m.membership.status === 'invited');
  const names = await councilNames([council, ...page.items.map((m) => m.challenge.leadCouncil), ...requests.map((r) => r.member.council)]);
  const officer = inGroup(caller, 'officer') === null;

  const row = (m: CouncilMembership) => [
    html`<a class="govuk-link" href="/challenges/${m.challenge.id}">${m.challenge.title}</a>`,
    nameOf(names, m.challenge.leadCouncil),
    ROLE_LABELS[m.membership.role],
    tag(STATUS_LABELS[m.membership.status], STATUS_TAG[m.membership.status]),
    tag(STAGE_LABELS[m.challenge.stage], STAGE_TAG[m.challenge.stage]),
  ];

  const invitationsHtml = invitations.length
    ? html`<h2 class="govuk-heading-m">Invitations to answer</h2>${invitations.map(
        (m) => html`<div class="hub-card"><h3 class="govuk-heading-s"><a class="govuk-link" href="/challenges/${m.challenge.id}">${m.challenge.title}</a></h3><p class="govuk-body">${nameOf(names, m.challenge.leadCouncil)} invited ${nameOf(names, council)} to join as ${m.membership.role === 'observer' ? 'an observer' : 'a partner'}${m.membership.invitedAt ? ` on ${when(m.membership.invitedAt)}` : ''}.</p>${officer ? answerForms(m.challenge.id, council, csrf, 'home', { accept: 'Accept invitation', decline: 'Decline invitation' }, `to ${m.challenge.title}`) : html`<p class="govuk-body">An officer of your council can accept or decline it.</p>`}</div>`,
      )}`
    : html``;

  const requestsHtml = requests.length
    ? html`<h2 class="govuk-heading-m">Requests to join your challenges</h2>${requests.map(
        ({ state, member }) => html`<div class="hub-card"><h3 class="govuk-heading-s"><a class="govuk-link" href="/challenges/${state.challenge.id}">${state.challenge.title}</a></h3><p class="govuk-body">${nameOf(names, member.council)} asked to join as ${member.role === 'observer' ? 'an observer' : 'a partner'}${member.requestedAt ? ` on ${when(member.requestedAt)}` : ''}.</p>${leadOfficer(state, caller) === null ? answerForms(state.challenge.id, member.council, csrf, 'home', { accept: 'Approve request', decline: 'Reject request' }, `from ${nameOf(names, member.council)}`) : html`<p class="govuk-body">Your council’s officer can approve or reject it.</p>`}</div>`,
      )}`
    : html``;

  const list = page.items.length
    ? table({
        caption: `Challenges ${nameOf(names, council)} is part of`,
        columns: [{ header: 'Challenge' }, { header: 'Lead council' }, { header: 'Your role' }, { header: 'Membership' }, { header: 'Stage' }],
        rows: page.items.map(row),
      })
    : insetText(`${nameOf(names, council)} is not part of any challenge yet. A lead council’s officer can invite it.`);

  return {
    title: 'Your challenges',
    current: 'home',
    errors,
    names,
    body: html`${top}${invitationsHtml}${requestsHtml}${list}${pagination(page.nextCursor ? `/?cursor=${encodeURIComponent(page.nextCursor)}` : undefined, cursor ? { href: '/', text: 'First page' } : undefined)}`,
  };
}
