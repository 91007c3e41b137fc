import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import * as z from './schemas/zod';
import { forbidden, unauthorized } from './errors';
import { GSS_CODE_PATTERN } from './schemas/common';

export const GROUPS = ['officer', 'finance', 'hub-admin'] as const;
export type Group = (typeof GROUPS)[number];

/** Who is calling: read from the verified JWT's claims (domain.md, Callers). */
export interface Caller {
  sub: string;
  council: string | undefined;
  groups: ReadonlySet<Group>;
}

/**
 * API Gateway's JWT authorizer hands claims over as strings: an array claim such
 * as cognito:groups arrives as "[officer finance]". Accept that, a real array,
 * and a comma-separated string, so the same code reads deployed and local tokens.
 */
export function parseGroups(claim: unknown): Set<Group> {
  const raw = Array.isArray(claim)
    ? claim.map(String)
    : typeof claim === 'string'
      ? claim.replace(/^\[|\]$/g, '').split(/[\s,]+/)
      : [];
  return new Set(raw.filter((g): g is Group => (GROUPS as readonly string[]).includes(g)));
}

/**
 * API Gateway's JWT authorizer passes claims to the Lambda as strings, arrays
 * flattened to "[a b]". The local adapter does the same for bearer tokens, and the
 * pages for their session, so every handler sees the same input everywhere.
 */
export function claimsAsApiGatewayPassesThem(payload: Record<string, unknown>): Record<string, string | number | boolean> {
  return Object.fromEntries(
    Object.entries(payload).map(([k, v]) => [
      k,
      Array.isArray(v) ? `[${v.join(' ')}]` : typeof v === 'object' && v !== null ? JSON.stringify(v) : (v as string | number | boolean),
    ]),
  );
}

/** Control, format (bidi, zero-width) and lone-surrogate characters: never part of an identifier. */
const INVISIBLE_OR_CONTROL = /[\p{Cc}\p{Cf}\p{Cs}]/u;

/**
 * The claims the hub relies on, checked once, here, before any handler sees them:
 * the caller's sub and council end up in keys, records, ledger entries and
 * events, so a value that is not what Cognito issues must never get that far.
 * API Gateway passes claims as strings and flattens an array claim to "[a b]",
 * so an array custom:council arrives as "[E08000025 E08000026]" and fails the
 * pattern like any other value that is not exactly one GSS code.
 */
const callerClaims = z.object({
  sub: z
    .string()
    .check(
      z.minLength(1),
      z.maxLength(255),
      z.refine((sub) => !INVISIBLE_OR_CONTROL.test(sub) && sub.trim() === sub, 'sub has control characters or surrounding whitespace'),
    ),
  // Absent for hub-admin tokens; present means exactly one GSS code (no list, case change, padding or NUL).
  'custom:council': z.optional(z.string().check(z.regex(GSS_CODE_PATTERN, 'custom:council is not one ONS GSS code'))),
});

export function callerFromEvent(event: Pick<APIGatewayProxyEventV2WithJWTAuthorizer, 'requestContext'>): Caller {
  const claims = event.requestContext?.authorizer?.jwt?.claims;
  const parsed = callerClaims.safeParse(claims ?? {});
  if (!parsed.success) {
    // 401, not 403: the token itself is unusable here, whatever the route. The
    // offending value is not echoed (it may hold control characters).
    const names = [...new Set(parsed.error.issues.map((issue) => String(issue.path[0] ?? 'claims')))];
    throw unauthorized(`The bearer token cannot be used with this hub: its ${names.join(' and ')} claim is not valid.`);
  }
  return {
    sub: parsed.data.sub,
    council: parsed.data['custom:council'],
    groups: parseGroups(claims?.['cognito:groups']),
  };
}

export const isHubAdmin = (caller: Caller) => caller.groups.has('hub-admin');

/** The caller must be in `group` acting for `council` (any council when omitted). */
export function requireGroup(caller: Caller, group: Group, council?: string): void {
  if (!caller.groups.has(group)) throw forbidden(`This action needs the '${group}' group.`);
  if (council !== undefined && caller.council !== council) {
    throw forbidden(`This action needs a '${group}' of council ${council}.`);
  }
}

/** The council the caller acts for; a token without one cannot act for a council. */
export function callerCouncil(caller: Caller): string {
  if (!caller.council) throw forbidden('The token names no council (custom:council).');
  return caller.council;
}
