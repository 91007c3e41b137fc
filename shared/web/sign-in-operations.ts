/**
 * The sign-in function's operations (shared/route-groups/sign-in.ts):
 * its own Lambda, so the pages' function carries no OAuth client. Deployed, the
 * user pool's managed login (authorization code flow with PKCE, openid-client);
 * locally, a page offering the registered councils and groups, signing with the
 * local key the local hub hands over in-process. Either way the session cookie
 * holds an ID token that passes the same verification (./session.ts).
 */
import { GROUPS } from '../auth';
import { logger } from '../observability';
import { getCouncil } from '../store/councils';
import type { FieldError } from './components';
import { webConfig } from './config';
import { errorPage, localSignInPage, signedOutPage } from './pages/sign-in';
import { baseUrl, formFields, htmlAnswer, type Input, namesFor, pathWithQuery, redirect, sameOrigin, securityHeaders } from './responses';
import { clearCookie, LOGIN_COOKIE, PRE_SESSION_COOKIE, randomToken, readCookies, sameToken, SESSION_COOKIE, sessionFromToken, sessionOf, setCookie } from './session';
import { clearLoginCookie, finishManagedLogin, localSigner, safeReturnTo, sessionCookie, signOutLocation, startManagedLogin } from './sign-in';

const GROUP_SET = new Set<string>(GROUPS);
const GSS = /^[EWSN]\d{8}$/;

export function signInOperations() {
  const options = { securityHeaders: securityHeaders() };
  const op = <F>(handler: F) => ({ handler, options });
  return {
    signInPage: op(async ({ event }: Input) => {
      const returnTo = safeReturnTo(event.queryStringParameters?.returnTo);
      if (webConfig().signIn === 'cognito') {
        const { location, cookie } = await startManagedLogin(baseUrl(event), returnTo);
        return redirect(location, [cookie]);
      }
      const csrf = readCookies(event).get(PRE_SESSION_COOKIE) ?? randomToken();
      return htmlAnswer(await localSignInPage({ csrf, returnTo }), undefined, new Map(), [setCookie(PRE_SESSION_COOKIE, csrf, 3600)]);
    }),

    signIn: op(async ({ event }: Input) => {
      const signer = localSigner();
      if (!signer) return htmlAnswer(errorPage(404, 'Page not found', 'Sign in through the sign-in page.'), undefined, new Map());
      const fields = formFields(event);
      const presession = readCookies(event).get(PRE_SESSION_COOKIE);
      if (!sameOrigin(event) || !sameToken(fields.get('csrf') ?? undefined, presession)) {
        return htmlAnswer(errorPage(403, 'This form has expired', 'Go back to the sign-in page, reload it and try again.'), undefined, new Map());
      }
      const returnTo = safeReturnTo(fields.get('returnTo'));
      const council = fields.get('council') || undefined;
      const groups = fields.getAll('groups').filter((g) => GROUP_SET.has(g));
      const user = (fields.get('user') ?? '').trim();
      const values = { council: council ?? '', groups, user };
      const errors: FieldError[] = [];
      if (council && !(GSS.test(council) && (await getCouncil(council)))) errors.push({ field: 'council', message: 'Choose a registered council' });
      if (!council && !groups.includes('hub-admin')) errors.push({ field: 'council', message: 'Choose a council (only a hub administrator has none)' });
      if (groups.length === 0) errors.push({ field: 'groups', message: 'Choose at least one group' });
      if (user && !/^[\w.@+-]{1,64}$/.test(user)) errors.push({ field: 'user', message: 'A user id is up to 64 letters, digits and . _ @ + -' });
      if (errors.length) return htmlAnswer(await localSignInPage({ csrf: presession!, returnTo, values, errors }), undefined, new Map());
      const sub = user || `local-${council ?? 'admin'}-${groups.join('-')}`;
      const token = await signer({ sub, ...(council ? { council } : {}), groups });
      const session = await sessionFromToken(token);
      if (!session) return htmlAnswer(errorPage(500, 'Sign-in failed', 'The local key’s token did not verify.'), undefined, new Map());
      return redirect(returnTo, [sessionCookie(token, session.expiresAt), clearCookie(PRE_SESSION_COOKIE)]);
    }),

    signInCallback: op(async ({ event }: Input) => {
      if (webConfig().signIn !== 'cognito') return redirect('/sign-in');
      try {
        const url = new URL(`${baseUrl(event)}${pathWithQuery(event)}`);
        const { idToken, returnTo } = await finishManagedLogin(url, readCookies(event).get(LOGIN_COOKIE));
        const session = await sessionFromToken(idToken);
        if (!session) throw new Error('The ID token did not verify, or its claims cannot be used here (custom:council).');
        return redirect(returnTo, [sessionCookie(idToken, session.expiresAt), clearLoginCookie()]);
      } catch (error) {
        logger.warn('Sign-in callback failed', { error: error as Error });
        return htmlAnswer(errorPage(400, 'Sign-in did not complete', 'Start again from the sign-in page.'), undefined, new Map(), [clearLoginCookie()]);
      }
    }),

    signOut: op(async ({ event }: Input) => {
      const session = await sessionOf(event);
      if (session) {
        const fields = formFields(event);
        if (!sameOrigin(event) || !sameToken(fields.get('csrf') ?? undefined, session.csrf)) {
          return htmlAnswer(errorPage(403, 'This form has expired', 'Reload the page and try again.'), session, await namesFor(session));
        }
      }
      return redirect(signOutLocation(baseUrl(event)), [clearCookie(SESSION_COOKIE)]);
    }),

    signedOutPage: op(async () => htmlAnswer(signedOutPage(), undefined, new Map(), [clearCookie(SESSION_COOKIE)])),

  };
}
