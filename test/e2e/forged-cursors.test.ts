/**
 * Forged and stale cursors on every paged list (issue 8, item 5): a cursor the list
 * never issued is a 422 problem naming query.cursor, never a 500, and a cursor only
 * ever moves within the caller's own list. Cursors of the old layout (a raw DynamoDB
 * key, base64url JSON) are among the forgeries: they could name another partition.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COUNCILS, registerCouncils } from '../support/councils';
import { startTestHub, type TestHub } from '../support/hub';

const { birmingham, coventry } = COUNCILS;
const B = birmingham.code;
let hub: TestHub;
let officer: string;
let id: string;
let subscriptionId: string;

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Raw keys of other partitions, in the shape the old cursors had. */
const FORGERIES = [
  encode({ PK: `CHALLENGE#01J0000000000000000000000A`, SK: 'S#CHALLENGE', GSI1PK: `COUNCIL#${B}`, GSI1SK: 'CHALLENGE#01J0000000000000000000000A' }),
  encode({ PK: 'IDEMPOTENCY', SK: 'hub#abc' }),
  encode({ PK: `COUNCIL#${B}`, SK: 'COUNCIL', GSI1PK: 'COUNCILS', GSI1SK: B }),
  encode({ sk: 'EVENT#0000000001' }),
  encode({ id: 'not a ulid' }),
  encode({ code: 'e08000025' }),
  encode({ version: -1 }),
  encode(['array']),
  encode('string'),
  'garbage',
  '%%%',
  'x'.repeat(2000),
];

beforeAll(async () => {
  hub = await startTestHub();
  await registerCouncils(hub, [birmingham, coventry]);
  officer = await hub.token({ council: B, groups: ['officer', 'finance'] });
  const created = await hub.call('POST', '/v1/challenges', { token: officer, body: { title: 'Cursor checks', visibility: 'public' } });
  id = created.body.id;
  const subscribed = await hub.call('POST', '/v1/subscriptions', { token: officer, body: { url: 'http://127.0.0.1:9/hook' } });
  expect(subscribed.status, JSON.stringify(subscribed.body)).toBe(201);
  subscriptionId = subscribed.body.id;
});
afterAll(() => hub?.stop());

const lists = () => [
  '/v1/councils',
  `/v1/councils/${B}/challenges`,
  '/v1/challenges',
  '/v1/subscriptions',
  `/v1/subscriptions/${subscriptionId}/deliveries`,
  `/v1/challenges/${id}/ledger`,
  `/v1/challenges/${id}/share-agreements`,
];

describe('forged cursors', () => {
  it('answers 422 on query.cursor for every forgery on every list, never 5xx', async () => {
    const answers: string[] = [];
    for (const path of lists()) {
      for (const cursor of FORGERIES) {
        const res = await hub.call('GET', `${path}?cursor=${encodeURIComponent(cursor)}`, { token: officer });
        answers.push(`${path} ${res.status}`);
        expect(res.status, `${path} cursor ${cursor.slice(0, 40)}: ${JSON.stringify(res.body)}`).toBe(422);
        expect(res.headers.get('content-type')).toBe('application/problem+json');
        expect(res.body.errors).toEqual([{ path: 'query.cursor', message: expect.any(String) }]);
      }
    }
    expect(answers).toHaveLength(lists().length * FORGERIES.length);
  });

  it('takes back the cursors it issued, on every list that pages', async () => {
    for (const code of ['E06000026', 'E09000033', 'E08000027']) {
      await hub.call('PUT', `/v1/councils/${code}`, {
        token: await hub.token({ groups: ['hub-admin'] }),
        body: { name: `Council ${code}`, kind: 'unitary' },
      });
    }
    for (const path of ['/v1/councils', '/v1/challenges']) {
      const first = await hub.call('GET', `${path}?limit=1`, { token: officer });
      expect(first.status).toBe(200);
      expect(first.body.nextCursor, path).toEqual(expect.any(String));
      const second = await hub.call('GET', `${path}?limit=1&cursor=${encodeURIComponent(first.body.nextCursor)}`, { token: officer });
      expect(second.status, JSON.stringify(second.body)).toBe(200);
      expect(second.body.items[0]).not.toEqual(first.body.items[0]);
    }
  });
});
