import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { forbidden, unauthorized } from './errors';

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

export function callerFromEvent(event: Pick<APIGatewayProxyEventV2WithJWTAuthorizer, 'requestContext'>): Caller {
  const claims = event.requestContext?.authorizer?.jwt?.claims;
  const sub = claims?.sub;
  if (typeof sub !== 'string' || sub === '') throw unauthorized();
  const council = claims?.['custom:council'];
  return {
    sub,
    council: typeof council === 'string' && council !== '' ? council : undefined,
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
