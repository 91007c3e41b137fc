/** The local sign-in page (choose a registered council and groups), the signed-out page, and error pages. */
import { GROUPS } from '../../auth';
import { button, checkboxes, errorSummary, type FieldError, input, insetText, select } from '../components';
import { html } from '../html';
import { type Page, registeredCouncils } from './common';

const GROUP_HINTS: Record<string, string> = {
  officer: 'Acts for the council in the consortium: invites, answers, approves agreements',
  finance: 'Moves money for the council: pledges, commitments; the lead’s finance records receipts and costs',
  'hub-admin': 'Registers councils (through the API)',
};

export async function localSignInPage(o: { csrf: string; returnTo: string; values?: Record<string, string | string[]>; errors?: FieldError[] }): Promise<Page> {
  const councils = { items: await registeredCouncils() };
  const errors = o.errors ?? [];
  const values = o.values ?? {};
  const groups = Array.isArray(values.groups) ? values.groups : values.groups ? [values.groups] : ['officer', 'finance'];
  return {
    title: 'Sign in',
    errors,
    status: errors.length ? 422 : 200,
    body: html`${errorSummary(errors)}<h1 class="govuk-heading-l">Sign in to the local hub</h1>
${insetText('This is the local hub: choose who to be. The hub signs a token for you with its local key and checks it exactly as it checks every session. Deployed, this page is the user pool’s sign-in instead.')}
<form method="post" action="/sign-in" novalidate>
<input type="hidden" name="csrf" value="${o.csrf}"><input type="hidden" name="returnTo" value="${o.returnTo}">
${councils.items.length
  ? select({ id: 'council', label: 'Council', hint: 'Registered councils (a hub administrator registers more through the API)', value: String(values.council ?? councils.items[0]?.code ?? ''), errors, options: [...councils.items.map((c) => ({ value: c.code, text: `${c.name} (${c.code})` })), { value: '', text: 'No council (hub administrator)' }] })
  : html`${insetText('No council is registered yet: sign in as a hub administrator, then register councils through the API.')}<input type="hidden" name="council" value="">`}
${checkboxes({ id: 'groups', legend: 'Groups', errors, checked: groups, options: GROUPS.map((g) => ({ value: g, text: g, hint: GROUP_HINTS[g] ?? '' })) })}
${input({ id: 'user', label: 'User id (optional)', hint: 'Recorded as who did each thing; left empty, one is made from the council and groups', value: String(values.user ?? ''), errors, classes: 'govuk-input--width-20', spellcheck: false, autocomplete: 'username' })}
${button('Sign in')}
</form>`,
  };
}

export const signedOutPage = (): Page => ({
  title: 'You have signed out',
  errors: [],
  body: html`<h1 class="govuk-heading-l">You have signed out</h1><p class="govuk-body"><a class="govuk-link" href="/sign-in">Sign in again</a></p>`,
});

export const errorPage = (status: number, heading: string, detail: string): Page => ({
  title: heading,
  errors: [],
  status,
  body: html`<h1 class="govuk-heading-l">${heading}</h1><p class="govuk-body">${detail}</p><p class="govuk-body"><a class="govuk-link" href="/">Go to your challenges</a></p>`,
});
