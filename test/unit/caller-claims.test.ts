import { describe, expect, it } from 'vitest';
import { callerFromEvent } from '../../shared/auth';
import { Problem } from '../../shared/errors';

/** An event as API Gateway's JWT authorizer hands it over: claims as strings, arrays flattened. */
const withClaims = (claims: Record<string, unknown> | undefined) =>
  ({ requestContext: { authorizer: claims === undefined ? undefined : { jwt: { claims, scopes: [] } } } }) as never;

const refusal = (claims: Record<string, unknown> | undefined): Problem => {
  try {
    callerFromEvent(withClaims(claims));
  } catch (error) {
    if (error instanceof Problem) return error;
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(claims)}`);
};

describe('callerFromEvent', () => {
  it('builds the caller from good claims, with or without a council', () => {
    const officer = callerFromEvent(withClaims({ sub: 'a1b2', 'custom:council': 'E08000025', 'cognito:groups': '[officer finance]' }));
    expect(officer).toMatchObject({ sub: 'a1b2', council: 'E08000025' });
    expect([...officer.groups].sort()).toEqual(['finance', 'officer']);
    const admin = callerFromEvent(withClaims({ sub: 'admin-1', 'cognito:groups': '[hub-admin]' }));
    expect(admin.council).toBeUndefined();
    expect([...admin.groups]).toEqual(['hub-admin']);
  });

  it.each([
    ['a flattened array', '[E08000027 E08000025]'],
    ['a one-element flattened array', '[E08000025]'],
    ['a comma-separated list', 'E08000027,E08000025'],
    ['a real array', ['E08000025']],
    ['lower case', 'e08000025'],
    ['leading padding', ' E08000025'],
    ['trailing padding', 'E08000025 '],
    ['a trailing newline', 'E08000025\n'],
    ['a NUL', 'E08000025\u0000'],
    ['too many digits', 'E080000250'],
    ['an unknown prefix', 'X08000025'],
    ['full-width digits', 'E０８000025'],
    ['an empty string', ''],
    ['a number', 8000025],
    ['an object', { code: 'E08000025' }],
  ])('refuses custom:council as %s with 401', (_, council) => {
    const problem = refusal({ sub: 'a1b2', 'custom:council': council, 'cognito:groups': '[officer]' });
    expect(problem.status).toBe(401);
    expect(problem.message).toContain('custom:council');
    if (String(council).trim()) expect(problem.message).not.toContain(String(council).trim()); // never echoed
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['a number', 42],
    ['too long', 'x'.repeat(256)],
    ['with a NUL', 'user\u0000'],
    ['with CR LF', 'user\r\nX-Injected: 1'],
    ['with a bidi override', 'user\u202e'],
    ['padded', ' user'],
  ])('refuses a sub that is %s with 401', (_, sub) => {
    const problem = refusal({ ...(sub === undefined ? {} : { sub }), 'custom:council': 'E08000025' });
    expect(problem.status).toBe(401);
    expect(problem.message).toContain('sub');
  });

  it('refuses an event with no authorizer claims at all', () => {
    expect(refusal(undefined).status).toBe(401);
  });

  it('accepts subs as identity providers issue them', () => {
    for (const sub of ['8f2e6c1a-4b7d-4e0f-9a3c-2d1b5e7f9a0c', 'local-E08000025-1a2b3c4d', 'auth0|5f7c8ec7c33c6c004bbafe82', 'x'.repeat(255)]) {
      expect(callerFromEvent(withClaims({ sub, 'custom:council': 'E08000025' })).sub).toBe(sub);
    }
  });
});
