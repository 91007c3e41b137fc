import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateKeys } from '../../infra/local/auth';
import { startTestHub, type TestHub } from '../support/hub';
import { freePort } from '../support/ports';
import { COUNCILS, officerTokens, registerCouncils, syntheticCouncils } from '../support/councils';

/**
 * Many councils acting on one challenge at once: every change lands exactly
 * once, the feed stays gapless, the funding-member cap holds, and an
 * Idempotency-Key makes a retried join request harmless.
 */
const { birmingham } = COUNCILS;
const crowd = syntheticCouncils(16); // E07000100..E07000115
const capped = syntheticCouncils(51, 200); // E07000200..E07000250
const lone = syntheticCouncils(1, 300)[0]!; // E07000300

type FeedEvent = { type: string; seq: number; data: { council?: string } };

let hub: TestHub;
/** Outcomes of TransactWriteItems calls, counted on the shared client (the store keeps no test counters). */
const transactions = { ok: 0, cancelled: 0, cancellationReasons: [] as string[] };
const officer: Record<string, string> = {};

beforeAll(async () => {
  hub = await startTestHub();
  // Imported after startTestHub: the store's client reads DYNAMODB_ENDPOINT when it first loads.
  // The in-process hub loads the same modules, so this is the store its handlers use.
  const { dynamodb } = await import('../../shared/store/client');
  dynamodb.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'TransactWriteItemsCommand') return next(args);
      try {
        const result = await next(args);
        transactions.ok++;
        return result;
      } catch (error) {
        const e = error as { name?: string; CancellationReasons?: Array<{ Code?: string }> };
        if (e.name === 'TransactionCanceledException') {
          transactions.cancelled++;
          transactions.cancellationReasons.push((e.CancellationReasons ?? []).map((r) => r.Code ?? '-').join(','));
        }
        throw error;
      }
    },
    { step: 'deserialize', priority: 'high', name: 'transactionOutcomes' },
  );
  const all = [birmingham, ...crowd, ...capped, lone];
  // Councils are independent items: register them in a few parallel streams.
  await Promise.all([0, 1, 2, 3].map((lane) => registerCouncils(hub, all.filter((_, i) => i % 4 === lane))));
  Object.assign(officer, await officerTokens(hub, all));
});
afterAll(() => hub?.stop());

const lead = () => officer[birmingham.code]!;

async function createChallenge(visibility: 'public' | 'consortium', title: string): Promise<string> {
  const res = await hub.call('POST', '/v1/challenges', { token: lead(), body: { title, visibility } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

async function feed(id: string): Promise<FeedEvent[]> {
  const events: FeedEvent[] = [];
  for (let after = 0; ; ) {
    const page = await hub.call('GET', `/v1/challenges/${id}/events?after=${after}&limit=100`, { token: lead() });
    expect(page.status).toBe(200);
    events.push(...page.body.items);
    if (page.body.next === after) return events;
    after = page.body.next;
  }
}

/** Every cancelled transaction here is a race (no existence check can fail), so each is a conflict the store retried. */
const snapshot = () => ({ conflicts: transactions.cancelled, ok: transactions.ok, cancelled: transactions.cancelled });

/**
 * A second hub process on the same table, as a second Lambda instance would be:
 * its writes race the in-process hub's for real (conditional writes, conflicts, retries).
 */
async function secondHub(): Promise<{ url: string; token(council: string): Promise<string>; stop(): void }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'hub-second-'));
  const port = await freePort();
  const child = spawn('npx', ['tsx', 'infra/local/start.ts'], {
    env: { ...process.env, DYNAMODB_ENDPOINT: hub.dynamodbEndpoint, TABLE_NAME: hub.tableName, PORT: String(port), HUB_DATA_DIR: dataDir },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr!.on('data', (c) => (output += c));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk) => ((output += chunk), /listening on/.test(output) && resolve()));
    child.once('exit', (code) => reject(new Error(`second hub exited ${code}: ${output}`)));
  });
  const keys = await loadOrCreateKeys(dataDir);
  return {
    url: `http://127.0.0.1:${port}`,
    token: (council) => keys.sign({ sub: `officer-${council}`, council, groups: ['officer'] }),
    stop: () => process.kill(-child.pid!, 'SIGKILL'),
  };
}

describe('two hub processes at once', () => {
  it('lands every change exactly once when two processes race on one challenge', async () => {
    const other = await secondHub();
    try {
      const id = await createChallenge('public', 'Two processes, one consortium');
      const start = snapshot();
      const via = async (i: number, path: string, council: string, body?: unknown) => {
        if (i % 2 === 0) return hub.call('POST', path, { token: council === birmingham.code ? lead() : officer[council], ...(body ? { body } : {}) });
        const res = await fetch(`${other.url}${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${await other.token(council)}`, ...(body ? { 'content-type': 'application/json' } : {}) },
          ...(body ? { body: JSON.stringify(body) } : {}),
        });
        return { status: res.status, body: await res.json() };
      };
      const asked = await Promise.all(crowd.map((c, i) => via(i, `/v1/challenges/${id}/join-requests`, c.code, { role: 'partner' })));
      expect(asked.map((r) => r.status)).toEqual(crowd.map(() => 201));
      const approved = await Promise.all(crowd.map((c, i) => via(i + 1, `/v1/challenges/${id}/members/${c.code}/accept`, birmingham.code)));
      expect(approved.map((r) => [r.status, r.body.status])).toEqual(crowd.map(() => [200, 'active']));
      const events = await feed(id);
      expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 1 + 2 * crowd.length }, (_, i) => i + 1));
      for (const type of ['MemberJoinRequested', 'MemberJoined']) {
        expect(events.filter((e) => e.type === type).map((e) => e.data.council).sort()).toEqual(crowd.map((c) => c.code).sort());
      }
      const end = snapshot();
      console.log(`two processes: ${end.ok - start.ok} transactions committed by this process, ${end.conflicts - start.conflicts} of its conflicts retried`);
    } finally {
      other.stop();
    }
  }, 120_000);
});

describe('sixteen councils at once', () => {
  it('lands every join request and every approval exactly once, with a gapless feed', async () => {
    const id = await createChallenge('public', 'Shared EV charging procurement');
    const start = snapshot();

    const asked = await Promise.all(
      crowd.map((c) => hub.call('POST', `/v1/challenges/${id}/join-requests`, { token: officer[c.code], body: { role: 'partner' } })),
    );
    expect(asked.map((r) => r.status)).toEqual(crowd.map(() => 201));
    expect(asked.map((r) => r.body.council)).toEqual(crowd.map((c) => c.code));
    const afterJoins = snapshot();

    const approved = await Promise.all(
      crowd.map((c) => hub.call('POST', `/v1/challenges/${id}/members/${c.code}/accept`, { token: lead() })),
    );
    expect(approved.map((r) => [r.status, r.body.status])).toEqual(crowd.map(() => [200, 'active']));
    const end = snapshot();

    const members = await hub.call('GET', `/v1/challenges/${id}/members`, { token: lead() });
    expect(members.body.items.map((m: { council: string; role: string; status: string }) => `${m.council}:${m.role}:${m.status}`)).toEqual(
      [`${birmingham.code}:lead:active`, ...crowd.map((c) => `${c.code}:partner:active`)].sort(),
    );

    const events = await feed(id);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 1 + 2 * crowd.length }, (_, i) => i + 1));
    expect(events[0]!.type).toBe('ChallengeCreated');
    const count = (type: string) => {
      const byCouncil: Record<string, number> = {};
      for (const e of events) if (e.type === type) byCouncil[e.data.council!] = (byCouncil[e.data.council!] ?? 0) + 1;
      return byCouncil;
    };
    const oncePerCouncil = Object.fromEntries(crowd.map((c) => [c.code, 1]));
    expect(count('MemberJoinRequested')).toEqual(oncePerCouncil);
    expect(count('MemberJoined')).toEqual(oncePerCouncil);
    // Each council's approval comes after its own request.
    for (const c of crowd) {
      const requested = events.find((e) => e.type === 'MemberJoinRequested' && e.data.council === c.code)!.seq;
      const joined = events.find((e) => e.type === 'MemberJoined' && e.data.council === c.code)!.seq;
      expect(joined).toBeGreaterThan(requested);
    }

    // Retried conflicts, counted on the client the hub's handlers write through: every
    // cancelled transaction here is a race (no existence check can fail), so each was retried.
    const joinConflicts = afterJoins.conflicts - start.conflicts;
    const acceptConflicts = end.conflicts - afterJoins.conflicts;
    console.log(
      `conflicts retried: ${joinConflicts} during 16 concurrent join requests, ${acceptConflicts} during 16 concurrent approvals ` +
        `(${joinConflicts + acceptConflicts} in all; ${end.ok - start.ok} transactions committed); cancellation reasons seen: ` +
        `${[...new Set(transactions.cancellationReasons)].join(' | ') || 'none'}`,
    );
    expect(end.ok - start.ok).toBe(2 * crowd.length);
    // One process queues a challenge's writes (shared/store/write.ts), so sixteen writers
    // at once wait their turn instead of losing races: no conflict, no retry.
    expect(end.conflicts - start.conflicts).toBe(0);
  });
});

describe('the funding-member cap', () => {
  it('refuses the 51st funding member with 409 consortium_full, still admits observers, and admits again when one leaves', async () => {
    const id = await createChallenge('consortium', 'Regional adult social care digital records');
    const partners = capped.slice(0, 49); // with the lead: 50 funding members
    const [fiftyFirst, observer] = [capped[49]!, capped[50]!];
    // Sequential on purpose: one writer at a time needs no retries, so this stays quick.
    for (const c of [...partners, fiftyFirst]) {
      const invited = await hub.call('POST', `/v1/challenges/${id}/invitations`, { token: lead(), body: { council: c.code, role: 'partner' } });
      expect(invited.status).toBe(201);
    }
    expect((await hub.call('POST', `/v1/challenges/${id}/invitations`, { token: lead(), body: { council: observer.code, role: 'observer' } })).status).toBe(201);
    for (const c of partners) {
      expect((await hub.call('POST', `/v1/challenges/${id}/members/${c.code}/accept`, { token: officer[c.code] })).status).toBe(200);
    }
    const members = await hub.call('GET', `/v1/challenges/${id}/members`, { token: lead() });
    const funding = members.body.items.filter((m: { role: string; status: string }) => m.status === 'active' && m.role !== 'observer');
    expect(funding).toHaveLength(50);

    const seqBefore = (await feed(id)).length;
    const refused = await hub.call('POST', `/v1/challenges/${id}/members/${fiftyFirst.code}/accept`, { token: officer[fiftyFirst.code] });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('consortium_full');
    expect((await feed(id)).length).toBe(seqBefore); // nothing written
    const stillInvited = await hub.call('GET', `/v1/challenges/${id}/members`, { token: lead() });
    expect(stillInvited.body.items.find((m: { council: string }) => m.council === fiftyFirst.code).status).toBe('invited');

    // Observers hold no shares, so the cap does not apply to them.
    const observed = await hub.call('POST', `/v1/challenges/${id}/members/${observer.code}/accept`, { token: officer[observer.code] });
    expect(observed.status).toBe(200);
    expect(observed.body).toMatchObject({ role: 'observer', status: 'active' });

    // One partner leaves: there is room for the 50th again.
    expect((await hub.call('POST', `/v1/challenges/${id}/members/${partners[0]!.code}/withdraw`, { token: officer[partners[0]!.code] })).status).toBe(200);
    const admitted = await hub.call('POST', `/v1/challenges/${id}/members/${fiftyFirst.code}/accept`, { token: officer[fiftyFirst.code] });
    expect(admitted.status).toBe(200);
    expect(admitted.body).toMatchObject({ role: 'partner', status: 'active' });
  });
});

describe('Idempotency-Key on a join request', () => {
  it('replays the first answer to a retry, runs it once, and refuses the key with another body', async () => {
    const id = await createChallenge('public', 'Flood resilience sensors');
    const path = `/v1/challenges/${id}/join-requests`;
    const headers = { 'idempotency-key': `join-${id}` };
    const first = await hub.call('POST', path, { token: officer[lone.code], body: { role: 'partner' }, headers });
    const again = await hub.call('POST', path, { token: officer[lone.code], body: { role: 'partner' }, headers });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(again.status).toBe(first.status);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('location')).toBe(first.headers.get('location'));

    const reused = await hub.call('POST', path, { token: officer[lone.code], body: { role: 'observer' }, headers });
    expect(reused.status).toBe(422);
    expect(reused.headers.get('content-type')).toBe('application/problem+json');
    expect(reused.body.code).toBe('idempotency_key_reuse');

    // Without the key, a second request is a new request and is refused as such.
    const unkeyed = await hub.call('POST', path, { token: officer[lone.code], body: { role: 'partner' } });
    expect(unkeyed.status).toBe(409);
    expect(unkeyed.body.code).toBe('already_requested');

    const requested = (await feed(id)).filter((e) => e.type === 'MemberJoinRequested');
    expect(requested.map((e) => e.data.council)).toEqual([lone.code]);
    const members = await hub.call('GET', `/v1/challenges/${id}/members`, { token: lead() });
    expect(members.body.items.map((m: { council: string; role: string; status: string }) => `${m.council}:${m.role}:${m.status}`)).toEqual(
      [`${birmingham.code}:lead:active`, `${lone.code}:partner:requested`].sort(),
    );
  });

  it('runs a request once when the same key arrives twice at the same moment', async () => {
    const id = await createChallenge('public', 'Shared street-lighting upgrade');
    const path = `/v1/challenges/${id}/join-requests`;
    const headers = { 'idempotency-key': `race-${id}` };
    const both = await Promise.all(
      [0, 1].map(() => hub.call('POST', path, { token: officer[lone.code], body: { role: 'partner' }, headers })),
    );
    // One runs; the other either waits out nothing (409 in progress) or replays the stored answer.
    const outcomes = both.map((r) => (r.status === 201 ? (r.headers.get('idempotent-replayed') ? 'replayed' : 'ran') : `${r.status} ${r.body.code}`)).sort();
    expect([['ran', 'replayed'], ['409 idempotency_in_progress', 'ran']]).toContainEqual(outcomes);
    const requested = (await feed(id)).filter((e) => e.type === 'MemberJoinRequested');
    expect(requested).toHaveLength(1);
  });
});
