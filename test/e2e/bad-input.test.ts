/**
 * Bad input over HTTP on the local hub (issue 8, item 5): every case answers a
 * 4xx problem, never a 5xx, and a refused write stores nothing. Also the CORS
 * headers the adapter adds to every answer, as the HTTP API does.
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_AUDIENCE, LOCAL_ISSUER } from '../../infra/local/auth';
import { localClient } from '../../infra/local/dynamodb-local';
import { CORS } from '../../shared/http/cors';
import { COUNCILS, registerCouncils } from '../support/councils';
import { startTestHub, type TestHub } from '../support/hub';
import { expectProblem } from '../support/problems';

const { birmingham, coventry } = COUNCILS;
const B = birmingham.code;
const C = coventry.code;
const SOME_ULID = '01J0000000000000000000000A';

let hub: TestHub;
let officerB: string;
let officerC: string;
let admin: string;

/** Every item of the hub's table, as text: to show a refused write left nothing behind. */
async function tableText(): Promise<string> {
  const client = localClient(hub.dynamodbEndpoint);
  const items: unknown[] = [];
  let start: Record<string, any> | undefined;
  try {
    do {
      const page = await client.send(new ScanCommand({ TableName: hub.tableName, ExclusiveStartKey: start }));
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
  } finally {
    client.destroy();
  }
  return JSON.stringify(items);
}

const now = () => Math.floor(Date.now() / 1000);
/** A token signed with the hub's own key (so only the claims can be wrong). */
const tokenWith = (claims: Record<string, unknown>) =>
  hub.keys.signPayload({ iss: LOCAL_ISSUER, aud: LOCAL_AUDIENCE, sub: 'probe-user', 'cognito:groups': ['officer'], iat: now(), exp: now() + 600, ...claims });

beforeAll(async () => {
  hub = await startTestHub();
  await registerCouncils(hub, [birmingham, coventry, COUNCILS.dudley]);
  officerB = await hub.token({ council: B, groups: ['officer'], sub: 'officer-b' });
  officerC = await hub.token({ council: C, groups: ['officer'], sub: 'officer-c' });
  admin = await hub.token({ groups: ['hub-admin'] });
});
afterAll(() => hub?.stop());

describe('malformed percent-encoding in a path parameter', () => {
  it.each([
    ['GET', '/v1/challenges/%ZZ'],
    ['GET', '/v1/challenges/%'],
    ['GET', '/v1/councils/%E0%A4%A'],
    ['PUT', '/v1/councils/E0800%G025'],
    ['PUT', `/v1/challenges/${SOME_ULID}/pledges/%C3`],
    ['POST', `/v1/challenges/${SOME_ULID}/members/%FF%FE/accept`],
    ['POST', `/v1/challenges/%ZZ/share-agreements/1/approve`],
    ['GET', '/v1/subscriptions/%C0%AF'],
    ['DELETE', '/v1/subscriptions/%ZZ'],
  ])('%s %s answers 400, with or without a token', async (method, path) => {
    expectProblem(await hub.call(method, path, { token: officerB }), 400);
    expectProblem(await hub.call(method, path), 400);
  });

  it('still decodes well-formed escapes (a valid code spelled with escapes reads the council)', async () => {
    const res = await hub.call('GET', '/v1/councils/%45%30%38%30%30%30%30%32%35', { token: officerB });
    expect(res.status).toBe(200);
    expect(res.body.code).toBe(B);
  });

  it('keeps a request target that starts with // a path (no route), not a host', async () => {
    expectProblem(await hub.call('GET', '//v1/councils', { token: officerB }), 404);
  });
});

describe('a token whose custom:council is not exactly one GSS code', () => {
  const badCouncils: Array<[string, unknown]> = [
    ['an array', [B, C]],
    ['a one-element array', [B]],
    ['a comma-separated list', 'E08000027,E08000025'],
    ['lower case', 'e08000025'],
    ['padding', ' E08000025 '],
    ['a NUL', 'E08000025\u0000'],
    ['an empty string', ''],
    ['a number', 8000025],
  ];

  it.each(badCouncils)('as %s: POST /v1/challenges answers 401 and stores nothing', async (what, council) => {
    const title = `Probe challenge (${what})`;
    const res = await hub.call('POST', '/v1/challenges', { token: await tokenWith({ 'custom:council': council }), body: { title, visibility: 'public' } });
    expectProblem(res, 401);
    expect(await tableText()).not.toContain(title);
  });

  it.each(badCouncils)('as %s: POST /v1/subscriptions answers 401 and stores nothing', async (what, council) => {
    const url = `http://127.0.0.1:9/hook/${encodeURIComponent(what)}`;
    const res = await hub.call('POST', '/v1/subscriptions', { token: await tokenWith({ 'custom:council': council }), body: { url } });
    expectProblem(res, 401);
    expect(await tableText()).not.toContain(url);
  });

  it('a token with a sub holding control characters is refused the same way', async () => {
    expectProblem(await hub.call('GET', '/v1/councils', { token: await tokenWith({ sub: 'user\r\nX-Injected: 1', 'custom:council': B }) }), 401);
  });

  it('the same routes with a good token work (the 401s above are the claims, nothing else)', async () => {
    const ok = await hub.call('POST', '/v1/challenges', { token: await tokenWith({ 'custom:council': B }), body: { title: 'Probe challenge (good token)' } });
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    // A hub-admin token carries no council at all, and that is allowed.
    expect((await hub.call('GET', '/v1/councils', { token: admin })).status).toBe(200);
  });
});

describe('token times, checked as the JWT authorizer checks them', () => {
  it('refuses a token without exp (401)', async () => {
    const noExp = await hub.keys.signPayload({ iss: LOCAL_ISSUER, aud: LOCAL_AUDIENCE, sub: 'probe-user', 'custom:council': B, 'cognito:groups': ['officer'], iat: now() });
    expectProblem(await hub.call('GET', '/v1/councils', { token: noExp }), 401);
    expectProblem(await hub.call('POST', '/v1/challenges', { token: noExp, body: { title: 'No exp' } }), 401);
  });

  it('refuses a token issued in the future (401)', async () => {
    const future = await tokenWith({ 'custom:council': B, iat: now() + 3600, exp: now() + 7200 });
    expectProblem(await hub.call('GET', '/v1/councils', { token: future }), 401);
    expectProblem(await hub.call('POST', '/v1/challenges', { token: future, body: { title: 'Future iat' } }), 401);
    expect(await tableText()).not.toContain('Future iat');
  });
});

describe('share agreement version in the path', () => {
  it.each(['0x1', '1e0', '01', '%201', '1.0', '0', '-1', '+1'])('/share-agreements/%s/approve answers 422 on params.version', async (version) => {
    const res = await hub.call('POST', `/v1/challenges/${SOME_ULID}/share-agreements/${version}/approve`, { token: officerC });
    const body = expectProblem(res, 422);
    expect(body.errors.map((e: { path: string }) => e.path)).toContain('params.version');
  });
});

describe('the lead and its own proposal', () => {
  it('refuses the lead rejecting its own pending proposal (409), while a partner may reject it', async () => {
    const created = await hub.call('POST', '/v1/challenges', { token: officerB, body: { title: 'Shared transport study' } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id as string;
    expect((await hub.call('POST', `/v1/challenges/${id}/invitations`, { token: officerB, body: { council: C, role: 'partner' } })).status).toBe(201);
    expect((await hub.call('POST', `/v1/challenges/${id}/members/${C}/accept`, { token: officerC })).status).toBe(200);
    const proposed = await hub.call('POST', `/v1/challenges/${id}/share-agreements`, { token: officerB, body: { basis: 'equal' } });
    expect(proposed.status, JSON.stringify(proposed.body)).toBe(201);
    const version = proposed.body.version as number;

    expectProblem(await hub.call('POST', `/v1/challenges/${id}/share-agreements/${version}/reject`, { token: officerB }), 409, 'proposer_cannot_reject');
    const current = await hub.call('GET', `/v1/challenges/${id}/share-agreements`, { token: officerB });
    expect(current.body.items.find((a: { version: number }) => a.version === version)).toMatchObject({ status: 'pending' });

    const rejected = await hub.call('POST', `/v1/challenges/${id}/share-agreements/${version}/reject`, { token: officerC, body: { reason: 'Too much risk' } });
    expect(rejected.status, JSON.stringify(rejected.body)).toBe(200);
    expect(rejected.body).toMatchObject({ status: 'rejected', rejectedBy: C });
  });
});

describe('webhook subscription URL', () => {
  it.each([
    ['CR LF', 'http://127.0.0.1:9/hook\r\nX-Injected: 1'],
    ['LF', 'http://127.0.0.1:9/hook\n'],
    ['a tab', 'http://127.0.0.1:9/ho\tok'],
    ['a NUL', 'http://127.0.0.1:9/hook\u0000'],
    ['a leading space', ' http://127.0.0.1:9/hook'],
    ['a bidi override', 'http://127.0.0.1:9/hook\u202e'],
    ['no scheme', '127.0.0.1:9/hook'],
  ])('with %s answers 422 on body.url and stores nothing', async (_, url) => {
    const body = expectProblem(await hub.call('POST', '/v1/subscriptions', { token: officerB, body: { url } }), 422);
    expect(body.errors.map((e: { path: string }) => e.path)).toContain('body.url');
    expect(await tableText()).not.toContain('127.0.0.1:9/'); // no subscription in this file is ever stored
  });
});

describe('a request body that is not UTF-8', () => {
  // Needs the functions to refuse a base64 body that is not UTF-8 (the write-path rewrite, shared/http/operation.ts).
  it('answers 400 and stores nothing (never U+FFFD)', async () => {
    const bytes = Buffer.concat([Buffer.from('{"name":"Bad '), Buffer.from([0xff, 0xfe]), Buffer.from(' Council","kind":"unitary"}')]);
    const res = await fetch(`${hub.url}/v1/councils/W06000015`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: bytes,
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect((await hub.call('GET', '/v1/councils/W06000015', { token: admin })).status).toBe(404);
    expect(await tableText()).not.toContain('\ufffd');
  });

  it('a UTF-8 body with non-ASCII text still works', async () => {
    const res = await hub.call('PUT', '/v1/councils/W06000016', { token: admin, body: { name: 'Cyngor Sir Ynys Môn', kind: 'welsh_principal_area' } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.name).toBe('Cyngor Sir Ynys Môn');
  });

  it('a body over the HTTP API payload limit answers 413', async () => {
    const res = await hub.call('PUT', '/v1/councils/W06000017', { token: admin, body: JSON.stringify({ name: 'x'.repeat(10 * 1024 * 1024), kind: 'unitary' }) });
    expectProblem(res, 413);
  });
});

describe('CORS, as the HTTP API answers it', () => {
  it('answers a preflight from the shared CORS constants', async () => {
    const res = await fetch(`${hub.url}/v1/challenges`, {
      method: 'OPTIONS',
      headers: { origin: 'https://intranet.example.gov.uk', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,idempotency-key' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-methods')).toBe(CORS.allowMethods.join(','));
    expect(res.headers.get('access-control-allow-headers')).toBe(CORS.allowHeaders.join(',').toLowerCase());
    expect(res.headers.get('access-control-max-age')).toBe(String(CORS.maxAgeSeconds));
  });

  it('adds the response headers to answers from functions and from the adapter alike', async () => {
    const answers = [
      await hub.call('GET', '/health'),
      await hub.call('GET', '/v1/councils', { token: officerB }),
      await hub.call('GET', '/v1/councils/W00000000', { token: officerB }), // the function's 404
      await hub.call('GET', '/v1/nowhere'), // the adapter's 404
      await hub.call('DELETE', '/v1/councils'), // the adapter's 405
      await hub.call('GET', '/v1/councils'), // the adapter's 401
      await hub.call('GET', '/v1/challenges/%ZZ', { token: officerB }), // the adapter's 400
    ];
    for (const res of answers) {
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('access-control-expose-headers')).toBe(CORS.exposeHeaders.join(', '));
    }
  });
});
