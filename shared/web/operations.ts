/**
 * The pages function's operations, one per route of shared/route-groups/web.ts webRoutes.
 * Reads go straight to the store through the API's own access checks and views;
 * every form runs the API operation it names, in-process (./dispatch.ts). Pages
 * answer HTML (problems too: an error page or the form again with the GOV.UK error
 * summary), with a strict Content-Security-Policy: everything from this site only.
 */
import { activeMember } from '../access';
import { MAX_REPLAY_ENTRIES } from '../domain/account';
import type { ChallengeState } from '../domain/records';
import { csvTooLarge } from '../domain/statement';
import { refuse } from '../domain/transition';
import { Problem } from '../errors';
import { visibleState } from '../http/challenge-reads';
import { problemOf, refuseWith } from '../http/problem-details';
import type { HttpResult } from '../http/responses';
import type { RouteSpec } from '../http/route-spec';
import { moneyRoutes } from '../route-groups/money';
import type { webRoutes } from '../route-groups/web';
import { ledgerFromStart } from '../store/ledger';
import { FORM_ACTIONS, type FormAction, type FormActionName, fieldErrorsOf, type PageName } from './actions';
import { asset } from './assets';
import type { FieldError, FormState } from './components';
import { type ApiHandlers, callApi } from './dispatch';
import { ledgerCsv } from './exports';
import { activityPage } from './pages/activity';
import { challengePage } from './pages/challenge';
import type { Page, PageInput } from './pages/common';
import { homePage } from './pages/home';
import { ledgerPageView, parseFilter, touches } from './pages/ledger';
import { moneyPage } from './pages/money';
import { sharesPage } from './pages/shares';
import { errorPage } from './pages/sign-in';
import { formFields, htmlAnswer, type Input, namesFor, problemPage, redirect, render, sameOrigin, securityHeaders, signInFirst } from './responses';
import { sameToken, type Session, sessionOf } from './session';

type WebRoutes = typeof webRoutes;

const ULID = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;
const GSS = /^[EWSN]\d{8}$/;

/** The challenge as the API reads it for this caller: visible (else 404), and for money and records, an active member (else 403). */
async function challengeState(id: string | undefined, session: Session, membersOnly: boolean): Promise<ChallengeState> {
  if (!id || !ULID.test(id)) throw new Problem(404, 'There is no such challenge.');
  const state = await visibleState(id, session.caller, true);
  if (membersOnly) refuseWith(activeMember(state, session.caller));
  return state;
}

const PAGES: Record<Exclude<PageName, 'home'>, { membersOnly: boolean; view: (state: ChallengeState, input: PageInput) => Promise<Page> }> = {
  challenge: { membersOnly: false, view: challengePage },
  shares: { membersOnly: true, view: sharesPage },
  money: { membersOnly: true, view: moneyPage },
  ledger: { membersOnly: true, view: ledgerPageView },
};

function renderNamed(name: PageName | 'activity', params: Record<string, string | undefined>, input: PageInput): Promise<Page> {
  if (name === 'home') return homePage(input);
  if (name === 'activity') return challengeState(params.id, input.session, true).then((s) => activityPage(s, input));
  const { membersOnly, view } = PAGES[name];
  return challengeState(params.id, input.session, membersOnly).then((s) => view(s, input));
}

/** A GET page behind the session. */
function pageOp(name: PageName | 'activity') {
  return async ({ event }: Input) => {
    const session = await sessionOf(event);
    if (!session) return signInFirst(event);
    const query = new URLSearchParams(event.rawQueryString ?? '');
    return render(session, () => renderNamed(name, event.pathParameters ?? {}, { session, query }));
  };
}

const WRITE_ID = /^[A-Za-z0-9_-]{16,64}$/;

/** A form: checked (origin, session, CSRF, write id), turned into the API operation's call, run, and answered. */
function formOp(name: FormActionName, api: ApiHandlers) {
  const action: FormAction = FORM_ACTIONS[name];
  return async ({ event, context }: Input): Promise<HttpResult> => {
    const session = await sessionOf(event);
    if (!session) return redirect('/sign-in');
    const refused = async (status: number, heading: string, detail: string) => htmlAnswer(errorPage(status, heading, detail), session, await namesFor(session));
    if (!sameOrigin(event)) return refused(403, 'This form came from another site', 'Forms can only be sent from the hub’s own pages.');
    let fields: URLSearchParams;
    try {
      fields = formFields(event);
    } catch (error) {
      return htmlAnswer(problemPage(error), session, await namesFor(session));
    }
    if (!sameToken(fields.get('csrf') ?? undefined, session.csrf)) {
      return refused(403, 'This form has expired', 'The form was not sent from this session’s pages (or you signed in again since). Go back, reload the page and try again.');
    }
    const writeId = fields.get('writeId') ?? '';
    if (!WRITE_ID.test(writeId)) return refused(400, 'There is a problem with this form', 'The form is missing its write id. Reload the page and try again.');
    const params = Object.fromEntries(Object.entries(event.pathParameters ?? {}).filter((e): e is [string, string] => e[1] !== undefined));
    const values = Object.fromEntries(action.fields.map((f) => [f, fields.get(f) ?? '']));
    if (name === 'reverseForm') values.entryId = params.entryId ?? '';
    const pageName = typeof action.page === 'function' ? action.page(values) : action.page;
    const query = new URLSearchParams();

    const again = (status: number, errors: FieldError[], detail: string | undefined) => {
      const form: FormState = { action: name, values, errors };
      const input: PageInput = { session, query, form, ...(detail ? { problem: { detail, field: errors[0]?.field ?? action.anchor(params) } } : {}) };
      return render(session, async () => ({ ...(await renderNamed(pageName, params, input)), status }));
    };

    const built = action.body ? action.body(values) : { body: undefined };
    if ('errors' in built) return again(422, built.errors, undefined);
    const answer = await callApi(api, { route: action.api, params, body: built.body, writeId }, session, event, context);
    if (answer.ok) {
      const target = pageName === 'home' ? '/' : `/challenges/${params.id}${pageName === 'challenge' ? '' : `/${pageName}`}`;
      return redirect(`${target}?done=${action.done}`);
    }
    // Shown on the form's own page; if the challenge itself is not visible, that page is the 404.
    const errors = fieldErrorsOf(action, answer.problem.errors, action.anchor(params));
    return again(answer.status, errors, answer.problem.detail);
  };
}

/** A CSV the API itself produces (statement, account), run in-process with `Accept: text/csv`. */
function apiDownload(route: RouteSpec, api: ApiHandlers) {
  return async ({ event, context }: Input): Promise<HttpResult> => {
    const session = await sessionOf(event);
    if (!session) return signInFirst(event);
    const params = Object.fromEntries(Object.entries(event.pathParameters ?? {}).filter((e): e is [string, string] => e[1] !== undefined));
    if (!ULID.test(params.id ?? '') || (params.council !== undefined && !GSS.test(params.council))) {
      return htmlAnswer(errorPage(404, 'Page not found', 'There is no such download.'), session, await namesFor(session));
    }
    const answer = await callApi(api, { route, params, accept: 'text/csv' }, session, event, context);
    if (!answer.ok) return htmlAnswer(errorPage(answer.status, answer.status === 404 ? 'Page not found' : 'There is a problem', answer.problem.detail), session, await namesFor(session));
    return { statusCode: 200, headers: { 'content-type': answer.headers['content-type'] ?? 'text/csv; charset=utf-8', 'content-disposition': answer.headers['content-disposition'] ?? 'attachment', 'cache-control': 'no-store' }, body: answer.body };
  };
}

export function webOperations(api: ApiHandlers) {
  const options = { securityHeaders: securityHeaders() };
  const op = <F>(handler: F) => ({ handler, options });

  return {
    homePage: op(pageOp('home')),
    challengePage: op(pageOp('challenge')),
    sharesPage: op(pageOp('shares')),
    moneyPage: op(pageOp('money')),
    ledgerPage: op(pageOp('ledger')),
    activityPage: op(pageOp('activity')),

    webAsset: op(async ({ event }: Input) => {
      const found = await asset(event.pathParameters?.path ?? '', event.rawQueryString ?? '');
      return found ?? { statusCode: 404, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'Not found' };
    }),

    statementDownload: op(apiDownload(moneyRoutes.getStatement, api)),
    accountDownload: op(apiDownload(moneyRoutes.getMemberAccount, api)),

    ledgerDownload: op(async ({ event }: Input) => {
      const session = await sessionOf(event);
      if (!session) return signInFirst(event);
      try {
        const state = await challengeState(event.pathParameters?.id, session, true);
        const filter = parseFilter(new URLSearchParams(event.rawQueryString ?? ''), state);
        const rows = [];
        let read = 0;
        for await (const found of ledgerFromStart(state.challenge.id)) {
          if (++read > MAX_REPLAY_ENTRIES) throw problemOf(refuse.conflict('replay_too_long', `The ledger has more than ${MAX_REPLAY_ENTRIES} entries: page through it on the ledger page or the API instead.`));
          if (touches(found.entry, filter)) rows.push(found);
        }
        const body = ledgerCsv(rows);
        refuseWith(csvTooLarge(body));
        return { statusCode: 200, headers: { 'content-type': 'text/csv; charset=utf-8; header=present', 'content-disposition': `attachment; filename="ledger-${state.challenge.id}.csv"`, 'cache-control': 'no-store' }, body };
      } catch (error) {
        return htmlAnswer(problemPage(error), session, await namesFor(session));
      }
    }),

    inviteForm: op(formOp('inviteForm', api)),
    acceptForm: op(formOp('acceptForm', api)),
    declineForm: op(formOp('declineForm', api)),
    approveAgreementForm: op(formOp('approveAgreementForm', api)),
    rejectAgreementForm: op(formOp('rejectAgreementForm', api)),
    pledgeForm: op(formOp('pledgeForm', api)),
    commitmentForm: op(formOp('commitmentForm', api)),
    receiptForm: op(formOp('receiptForm', api)),
    costForm: op(formOp('costForm', api)),
    reverseForm: op(formOp('reverseForm', api)),
  } satisfies Record<keyof WebRoutes, unknown>;
}
