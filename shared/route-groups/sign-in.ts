import { defineRoutes } from '../http/route-spec';

/**
 * Signing in and out: a function of its own (functions/sign-in.ts), so the pages'
 * function carries no OAuth client, and the code flow's function reads no challenge.
 * In a file of its own too, so the sign-in bundle carries none of the API's route
 * groups (and their schemas) that the pages' forms are built from (./web.ts).
 */
const html = { 200: { description: 'HTML', contentType: 'text/html' } };
const seeOther = { 303: { description: 'On to the result' } };
const signInPage = (path: string, summary: string) =>
  ({ method: 'GET', path, fn: 'sign-in', auth: false, openApi: false, tag: 'Pages', summary, responses: html }) as const;

export const signInRoutes = defineRoutes({
  signInPage: signInPage('/sign-in', 'Sign in'),
  signIn: { method: 'POST', path: '/sign-in', fn: 'sign-in', auth: false, openApi: false, tag: 'Pages', summary: 'Local sign-in', responses: seeOther },
  signInCallback: signInPage('/sign-in/callback', 'Managed login callback'),
  signOut: { method: 'POST', path: '/sign-out', fn: 'sign-in', auth: false, openApi: false, tag: 'Pages', summary: 'Sign out', responses: seeOther },
  signedOutPage: signInPage('/sign-out', 'Signed out'),
});
