/**
 * The end-to-end story of the API, every documented operation at least once, with
 * the refusals a client meets on the way (each a request the document admits, so a
 * validating proxy passes it on and the hub's answer is what is checked). Run by
 * the Prism contract test (test/contract/prism.test.ts) and by the examples writer
 * (test/contract/write-examples.ts), which keeps the document's examples from the
 * main story's successful steps.
 */
import { COUNCILS } from '../support/councils';

export interface Exchange {
  /** What the step is, in words (the test names failing steps by it). */
  step: string;
  method: string;
  path: string;
  requestBody?: unknown;
  status: number;
  headers: Headers;
  body: any;
}

export interface StoryClient {
  /** Calls the API (directly or through a proxy) and records the exchange. */
  call(step: string, method: string, path: string, options?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<Exchange>;
  token(claims: { council?: string; groups: Array<'officer' | 'finance' | 'hub-admin'>; sub?: string }): Promise<string>;
  /** A URL that answers webhooks with 204 (the story subscribes it). */
  webhookUrl: string;
}

const { birmingham: B, coventry: C, westminster: W, plymouth: P } = COUNCILS;

/** Runs the story; throws on the first answer other than the one the step expects. */
export async function runStory(client: StoryClient): Promise<Exchange[]> {
  const exchanges: Exchange[] = [];
  const expectStatus = async (step: string, status: number, method: string, path: string, options: Parameters<StoryClient['call']>[3] = {}) => {
    const exchange = await client.call(step, method, path, options);
    exchanges.push(exchange);
    if (exchange.status !== status) throw new Error(`${step}: expected ${status}, got ${exchange.status} ${JSON.stringify(exchange.body)}`);
    return exchange;
  };
  const admin = await client.token({ groups: ['hub-admin'], sub: 'story-admin' });
  const officer: Record<string, string> = {};
  const finance: Record<string, string> = {};
  for (const c of [B, C, W, P]) {
    officer[c.code] = await client.token({ council: c.code, groups: ['officer'], sub: `story-officer-${c.code}` });
    finance[c.code] = await client.token({ council: c.code, groups: ['finance'], sub: `story-finance-${c.code}` });
  }

  // System
  await expectStatus('health', 200, 'GET', '/health');
  await expectStatus('the OpenAPI document', 200, 'GET', '/openapi.json');
  await expectStatus('the reference page', 200, 'GET', '/docs');
  await expectStatus('a reference page asset', 200, 'GET', '/docs/swagger-ui.css');

  // Councils
  for (const { code, ...body } of [B, C, W, P]) await expectStatus(`register ${code}`, 201, 'PUT', `/v1/councils/${code}`, { token: admin, body });
  await expectStatus('update a council', 200, 'PUT', `/v1/councils/${B.code}`, { token: admin, body: { name: B.name, kind: B.kind, population: B.population } });
  await expectStatus('an officer cannot register councils', 403, 'PUT', `/v1/councils/${B.code}`, { token: officer[B.code], body: { name: B.name, kind: B.kind } });
  const councils = await expectStatus('list councils, a page of 2', 200, 'GET', '/v1/councils?limit=2', { token: officer[B.code] });
  await expectStatus('the next page of councils', 200, 'GET', `/v1/councils?limit=2&cursor=${encodeURIComponent(councils.body.nextCursor)}`, { token: officer[B.code] });
  await expectStatus('read a council', 200, 'GET', `/v1/councils/${C.code}`, { token: officer[B.code] });
  await expectStatus('a council not registered', 404, 'GET', '/v1/councils/E06000099', { token: officer[B.code] });
  await expectStatus('a token the hub did not sign', 401, 'GET', '/v1/councils', { token: `${officer[B.code]!.slice(0, -4)}AAAA` });

  // A challenge
  const created = await expectStatus('create a challenge', 201, 'POST', '/v1/challenges', {
    token: officer[B.code],
    headers: { 'idempotency-key': 'story-create-1' },
    body: {
      title: 'Reducing school transport costs',
      statement: 'Home-to-school transport costs have doubled in five years across our three councils.',
      howMightWe: 'How might we share routes and vehicles across council borders?',
      outcomes: ['Lower cost per pupil', 'Shorter journeys'],
      themes: ['transport', 'education'],
      targetBudgetPence: 9_000_000,
    },
  });
  const id = created.body.id as string;
  let etag = created.headers.get('etag')!;
  await expectStatus('list challenges', 200, 'GET', '/v1/challenges?stage=draft', { token: officer[B.code] });
  await expectStatus('read the challenge', 200, 'GET', `/v1/challenges/${id}`, { token: officer[B.code] });
  await expectStatus('an outsider cannot see a consortium challenge', 404, 'GET', `/v1/challenges/${id}`, { token: officer[P.code] });
  await expectStatus('a change without If-Match', 428, 'PATCH', `/v1/challenges/${id}`, { token: officer[B.code], body: { visibility: 'public' } });
  await expectStatus('a change on a stale ETag', 412, 'PATCH', `/v1/challenges/${id}`, { token: officer[B.code], body: { visibility: 'public' }, headers: { 'if-match': '"999"' } });
  etag = (await expectStatus('make it public', 200, 'PATCH', `/v1/challenges/${id}`, { token: officer[B.code], body: { visibility: 'public' }, headers: { 'if-match': etag } })).headers.get('etag')!;
  await expectStatus('skip a stage', 409, 'POST', `/v1/challenges/${id}/stage`, { token: officer[B.code], body: { to: 'procurement' } });
  await expectStatus('into scoping', 200, 'POST', `/v1/challenges/${id}/stage`, { token: officer[B.code], body: { to: 'scoping' } });

  // The consortium
  await expectStatus('invite Coventry', 201, 'POST', `/v1/challenges/${id}/invitations`, { token: officer[B.code], body: { council: C.code, role: 'partner' } });
  await expectStatus('invite Coventry twice', 409, 'POST', `/v1/challenges/${id}/invitations`, { token: officer[B.code], body: { council: C.code, role: 'partner' } });
  await expectStatus('invite a council not registered', 422, 'POST', `/v1/challenges/${id}/invitations`, { token: officer[B.code], body: { council: 'E06000099', role: 'partner' } });
  await expectStatus('Coventry accepts', 200, 'POST', `/v1/challenges/${id}/members/${C.code}/accept`, { token: officer[C.code] });
  await expectStatus('a partner cannot change the lead’s challenge', 403, 'PATCH', `/v1/challenges/${id}`, { token: officer[C.code], body: { title: 'Ours now' }, headers: { 'if-match': '*' } });
  await expectStatus('invite Westminster to observe', 201, 'POST', `/v1/challenges/${id}/invitations`, { token: officer[B.code], body: { council: W.code, role: 'observer' } });
  await expectStatus('Westminster declines', 200, 'POST', `/v1/challenges/${id}/members/${W.code}/decline`, { token: officer[W.code] });
  await expectStatus('Westminster declines again', 409, 'POST', `/v1/challenges/${id}/members/${W.code}/decline`, { token: officer[W.code] });
  await expectStatus('Plymouth asks to join', 201, 'POST', `/v1/challenges/${id}/join-requests`, { token: officer[P.code], body: { role: 'partner' } });
  await expectStatus('Plymouth cannot approve itself', 403, 'POST', `/v1/challenges/${id}/members/${P.code}/accept`, { token: officer[P.code] });
  await expectStatus('the lead approves Plymouth', 200, 'POST', `/v1/challenges/${id}/members/${P.code}/accept`, { token: officer[B.code] });
  await expectStatus('into forming', 200, 'POST', `/v1/challenges/${id}/stage`, { token: officer[B.code], body: { to: 'forming' } });
  await expectStatus('the members', 200, 'GET', `/v1/challenges/${id}/members`, { token: officer[C.code] });
  await expectStatus('Coventry’s memberships', 200, 'GET', `/v1/councils/${C.code}/challenges`, { token: officer[C.code] });
  await expectStatus('another council’s memberships', 403, 'GET', `/v1/councils/${W.code}/challenges`, { token: officer[C.code] });
  await expectStatus('pass the lead to an observer or outsider', 409, 'POST', `/v1/challenges/${id}/lead`, { token: officer[B.code], body: { council: W.code } });
  await expectStatus('pass the lead to Coventry', 200, 'POST', `/v1/challenges/${id}/lead`, { token: officer[B.code], body: { council: C.code } });
  await expectStatus('and back to Birmingham', 200, 'POST', `/v1/challenges/${id}/lead`, { token: officer[C.code], body: { council: B.code } });

  // Shares
  await expectStatus('a cost before any agreement', 409, 'POST', `/v1/challenges/${id}/costs`, { token: finance[B.code], body: { amountPence: 100, description: 'Too early' } });
  const first = await expectStatus('propose equal shares', 201, 'POST', `/v1/challenges/${id}/share-agreements`, { token: officer[B.code], body: { basis: 'equal' } });
  await expectStatus('no agreement is active yet', 404, 'GET', `/v1/challenges/${id}/share-agreements/current`, { token: officer[C.code] });
  await expectStatus('Plymouth rejects it', 200, 'POST', `/v1/challenges/${id}/share-agreements/${first.body.version}/reject`, { token: officer[P.code], body: { reason: 'Shares should follow population' } });
  await expectStatus('approve a rejected version', 409, 'POST', `/v1/challenges/${id}/share-agreements/${first.body.version}/approve`, { token: officer[C.code] });
  const second = await expectStatus('propose shares by population', 201, 'POST', `/v1/challenges/${id}/share-agreements`, { token: officer[B.code], body: { basis: 'population' } });
  await expectStatus('Coventry approves', 200, 'POST', `/v1/challenges/${id}/share-agreements/${second.body.version}/approve`, { token: officer[C.code] });
  await expectStatus('Plymouth approves: active', 200, 'POST', `/v1/challenges/${id}/share-agreements/${second.body.version}/approve`, { token: officer[P.code] });
  await expectStatus('the versions', 200, 'GET', `/v1/challenges/${id}/share-agreements`, { token: officer[P.code] });
  await expectStatus('the active agreement', 200, 'GET', `/v1/challenges/${id}/share-agreements/current`, { token: officer[P.code] });

  // Money in
  for (const [c, pence] of [[B, 5_000_000], [C, 3_000_000], [P, 2_000_000]] as const) {
    await expectStatus(`${c.name} pledges`, 200, 'PUT', `/v1/challenges/${id}/pledges/${c.code}`, { token: finance[c.code], body: { amountPence: pence } });
    await expectStatus(`${c.name} commits`, 201, 'POST', `/v1/challenges/${id}/commitments`, { token: finance[c.code], body: { amountPence: pence - 100_000, reference: `PO-${c.code}` } });
  }
  await expectStatus('commit beyond the pledge', 409, 'POST', `/v1/challenges/${id}/commitments`, { token: finance[P.code], body: { amountPence: 200_000 } });
  await expectStatus('pledge below the commitment', 409, 'PUT', `/v1/challenges/${id}/pledges/${P.code}`, { token: finance[P.code], body: { amountPence: 1_000 } });
  await expectStatus('receipt from Coventry', 201, 'POST', `/v1/challenges/${id}/receipts`, { token: finance[B.code], body: { council: C.code, amountPence: 2_900_000, reference: 'BACS 2026-12-01' } });
  await expectStatus('receipt beyond the commitment', 409, 'POST', `/v1/challenges/${id}/receipts`, { token: finance[B.code], body: { council: C.code, amountPence: 1 } });
  await expectStatus('receipt from a council that is not a funding member', 409, 'POST', `/v1/challenges/${id}/receipts`, { token: finance[B.code], body: { council: W.code, amountPence: 1 } });
  await expectStatus('into market engagement', 200, 'POST', `/v1/challenges/${id}/stage`, { token: officer[B.code], body: { to: 'market_engagement' } });
  await expectStatus('into procurement', 200, 'POST', `/v1/challenges/${id}/stage`, { token: officer[B.code], body: { to: 'procurement' } });
  await expectStatus('membership is locked', 409, 'POST', `/v1/challenges/${id}/members/${C.code}/withdraw`, { token: officer[C.code] });

  // Spend
  const costBody = { amountPence: 1_234_567, description: 'Route optimisation discovery', supplier: 'Routewise Ltd', category: 'discovery' };
  const cost = await expectStatus('record a cost', 201, 'POST', `/v1/challenges/${id}/costs`, { token: finance[B.code], body: costBody, headers: { 'idempotency-key': 'story-cost-1' } });
  const replayed = await expectStatus('the same cost retried with its key', 201, 'POST', `/v1/challenges/${id}/costs`, { token: finance[B.code], body: costBody, headers: { 'idempotency-key': 'story-cost-1' } });
  if (replayed.headers.get('idempotent-replayed') !== 'true' || replayed.body.id !== cost.body.id) throw new Error('the retried cost was not the replayed answer');
  await expectStatus('the key reused for another cost', 422, 'POST', `/v1/challenges/${id}/costs`, { token: finance[B.code], body: { ...costBody, amountPence: 1 }, headers: { 'idempotency-key': 'story-cost-1' } });
  await expectStatus('a partner’s finance cannot record spend', 403, 'POST', `/v1/challenges/${id}/costs`, { token: finance[C.code], body: costBody });
  await expectStatus('record a month of costs at once', 201, 'POST', `/v1/challenges/${id}/costs:batch`, {
    token: finance[B.code],
    body: { costs: [{ amountPence: 250_000, description: 'Driver training', category: 'delivery' }, { amountPence: 99_999, description: 'Telematics licences', supplier: 'FleetData plc' }] },
  });
  await expectStatus('reverse the cost', 201, 'POST', `/v1/challenges/${id}/costs/${cost.body.id}/reverse`, { token: finance[B.code], body: { reason: 'Invoice raised against the wrong challenge' } });
  await expectStatus('reverse it twice', 409, 'POST', `/v1/challenges/${id}/costs/${cost.body.id}/reverse`, { token: finance[B.code], body: { reason: 'Again' } });
  const ledger = await expectStatus('the ledger', 200, 'GET', `/v1/challenges/${id}/ledger?limit=100`, { token: finance[C.code] });
  const pledge = (ledger.body.items as Array<{ id: string; type: string }>).find((e) => e.type === 'pledge')!;
  await expectStatus('reverse a pledge', 409, 'POST', `/v1/challenges/${id}/costs/${pledge.id}/reverse`, { token: finance[B.code], body: { reason: 'Not a cost' } });
  await expectStatus('the statement', 200, 'GET', `/v1/challenges/${id}/statement`, { token: finance[C.code] });
  await expectStatus('the statement as CSV', 200, 'GET', `/v1/challenges/${id}/statement`, { token: finance[C.code], headers: { accept: 'text/csv' } });
  await expectStatus('the statement as it stood at seq 20', 200, 'GET', `/v1/challenges/${id}/statement?asOfSeq=20`, { token: finance[C.code] });
  await expectStatus('Coventry’s account', 200, 'GET', `/v1/challenges/${id}/members/${C.code}/account`, { token: finance[C.code] });
  await expectStatus('Coventry’s account as CSV', 200, 'GET', `/v1/challenges/${id}/members/${C.code}/account`, { token: finance[C.code], headers: { accept: 'text/csv' } });
  await expectStatus('an account Westminster does not have', 404, 'GET', `/v1/challenges/${id}/members/${W.code}/account`, { token: finance[C.code] });
  await expectStatus('the audit trail', 200, 'GET', `/v1/challenges/${id}/events?after=0&limit=100`, { token: officer[P.code] });

  // Open contracting
  const ocds = await expectStatus('the OCDS release package', 200, 'GET', `/v1/challenges/${id}/ocds`, { token: officer[W.code] });
  await expectStatus('the package, unchanged', 304, 'GET', `/v1/challenges/${id}/ocds`, { token: officer[W.code], headers: { 'if-none-match': ocds.headers.get('etag')! } });
  const releases = await client.call('the OCDS release feed', 'GET', '/v1/ocds/releases?limit=10', { token: officer[W.code] });
  exchanges.push(releases);
  if (releases.status !== 200 && releases.status !== 204) throw new Error(`the OCDS release feed: got ${releases.status}`);

  // A second challenge: withdrawal, cancellation, a closed challenge
  const other = (await expectStatus('create another challenge', 201, 'POST', '/v1/challenges', { token: officer[B.code], body: { title: 'Shared grit stores' } })).body.id as string;
  await expectStatus('invite Coventry to it', 201, 'POST', `/v1/challenges/${other}/invitations`, { token: officer[B.code], body: { council: C.code, role: 'partner' } });
  await expectStatus('Coventry accepts it', 200, 'POST', `/v1/challenges/${other}/members/${C.code}/accept`, { token: officer[C.code] });
  await expectStatus('Coventry withdraws', 200, 'POST', `/v1/challenges/${other}/members/${C.code}/withdraw`, { token: officer[C.code] });
  await expectStatus('the lead cannot withdraw', 409, 'POST', `/v1/challenges/${other}/members/${B.code}/withdraw`, { token: officer[B.code] });
  await expectStatus('cancel it', 200, 'POST', `/v1/challenges/${other}/stage`, { token: officer[B.code], body: { to: 'cancelled', reason: 'Merged into the transport challenge' } });
  await expectStatus('change a cancelled challenge', 409, 'PATCH', `/v1/challenges/${other}`, { token: officer[B.code], body: { title: 'Too late' }, headers: { 'if-match': '*' } });

  // Webhooks
  const sub = await expectStatus('subscribe a webhook', 201, 'POST', '/v1/subscriptions', { token: officer[C.code], body: { url: client.webhookUrl, challengeIds: [id] } });
  await expectStatus('the subscriptions', 200, 'GET', '/v1/subscriptions', { token: officer[C.code] });
  await expectStatus('the subscription', 200, 'GET', `/v1/subscriptions/${sub.body.id}`, { token: officer[C.code] });
  await expectStatus('another council’s subscription', 404, 'GET', `/v1/subscriptions/${sub.body.id}`, { token: officer[W.code] });
  await expectStatus('rotate its secret', 200, 'POST', `/v1/subscriptions/${sub.body.id}/rotate-secret`, { token: officer[C.code] });
  await expectStatus('replay the transport challenge', 202, 'POST', `/v1/subscriptions/${sub.body.id}/replay`, { token: officer[C.code], body: { challengeId: id } });
  await expectStatus('enable an active subscription', 200, 'POST', `/v1/subscriptions/${sub.body.id}/enable`, { token: officer[C.code] });
  await expectStatus('its deliveries', 200, 'GET', `/v1/subscriptions/${sub.body.id}/deliveries`, { token: officer[C.code] });
  await expectStatus('unsubscribe', 204, 'DELETE', `/v1/subscriptions/${sub.body.id}`, { token: officer[C.code] });
  await expectStatus('unsubscribe again', 404, 'DELETE', `/v1/subscriptions/${sub.body.id}`, { token: officer[C.code] });
  return exchanges;
}
