/**
 * What every page answer shares: the strict Content-Security-Policy (everything
 * from this site only), HTML with the layout, redirects, the form body and its
 * origin check, and the error page for a problem the API's checks raised.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { Problem } from '../errors';
import { bodyText, type OperationInput } from '../http/operation';
import type { HttpResult } from '../http/responses';
import type { RouteSpec } from '../http/route-spec';
import { layout } from './components';
import { webConfig } from './config';
import { councilNames, type Page, whoLabel } from './pages/common';
import { errorPage } from './pages/sign-in';
import type { Session } from './session';

export type Input = OperationInput<RouteSpec>;

/** Self only: no inline script or style, no other origin; forms post here (and, deployed, sign-out goes on to the managed login). */
export function securityHeaders() {
  const config = webConfig();
  const formAction = config.signIn === 'cognito' ? `'self' ${config.loginDomain}` : "'self'";
  return {
    contentSecurityPolicy: {
      'default-src': "'self'",
      'script-src': "'self'",
      'style-src': "'self'",
      'img-src': "'self'",
      'font-src': "'self'",
      'connect-src': "'self'",
      'object-src': "'none'",
      'base-uri': "'none'",
      'form-action': formAction,
      'frame-ancestors': "'none'",
      'require-trusted-types-for': "'script'",
      'trusted-types': "'none'",
      'navigate-to': false,
      'report-to': false,
      sandbox: false,
      // Deployed the site is https only (HSTS); locally it is http://127.0.0.1.
      'upgrade-insecure-requests': false,
    },
    // Same-origin pages with same-origin assets: the defaults fit; the referrer stays home.
    referrerPolicy: { policy: 'same-origin' },
    // middy's list names features browsers no longer know (each a console warning): the pages send their own (PERMISSIONS).
    permissionsPolicy: false,
  } as never;
}

/** No page uses any of these browser features. */
const PERMISSIONS = 'accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), usb=(), serial=(), hid=()';

export const htmlAnswer = (page: Page, session: Session | undefined, names: ReadonlyMap<string, string>, cookies: string[] = []): HttpResult => ({
  statusCode: page.status ?? 200,
  headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', vary: 'Cookie', 'permissions-policy': PERMISSIONS },
  body: layout({ ...page, user: session ? { label: whoLabel(session, names), csrf: session.csrf } : undefined }),
  ...(cookies.length ? { cookies } : {}),
});

export const redirect = (location: string, cookies: string[] = []): HttpResult => ({
  statusCode: 303,
  headers: { location, 'cache-control': 'no-store' },
  body: '',
  ...(cookies.length ? { cookies } : {}),
});

export const pathWithQuery = (event: APIGatewayProxyEventV2) => `${event.rawPath}${event.rawQueryString ? `?${event.rawQueryString}` : ''}`;
export const signInFirst = (event: APIGatewayProxyEventV2) => redirect(`/sign-in?returnTo=${encodeURIComponent(pathWithQuery(event))}`);

/** The page for a problem the API's checks raised (404 not visible, 403 not an active member...). */
export function problemPage(error: unknown): Page {
  const problem = error instanceof Problem ? error : undefined;
  if (!problem) throw error;
  const heading = problem.status === 404 ? 'Page not found' : problem.status === 403 ? 'You cannot see this page' : 'There is a problem';
  return errorPage(problem.status, heading, problem.message);
}

export async function namesFor(session: Session | undefined) {
  return councilNames(session?.caller.council ? [session.caller.council] : []);
}

export async function render(session: Session, make: () => Promise<Page>, cookies: string[] = []): Promise<HttpResult> {
  let page: Page;
  try {
    page = await make();
  } catch (error) {
    page = problemPage(error);
  }
  return htmlAnswer(page, session, page.names ?? (await namesFor(session)), cookies);
}


/** The form body, as fields (a checkbox group may repeat a name). */
export function formFields(event: APIGatewayProxyEventV2): URLSearchParams {
  const type = event.headers?.['content-type'] ?? '';
  if (!/^application\/x-www-form-urlencoded\b/i.test(type)) throw new Problem(415, 'Forms are sent as application/x-www-form-urlencoded.');
  return new URLSearchParams(bodyText(event) ?? '');
}

/** A form may only come from a page of this site: its Origin, when the browser sends one, is this host. */
export function sameOrigin(event: APIGatewayProxyEventV2): boolean {
  const origin = event.headers?.origin;
  if (!origin) return true;
  try {
    return new URL(origin).host === (event.headers?.host ?? event.requestContext.domainName);
  } catch {
    return false;
  }
}

export const baseUrl = (event: APIGatewayProxyEventV2) => `https://${event.requestContext.domainName}`;

