/**
 * SIGKILL of `npm start` in the middle of a burst of keyed writes, then a restart on
 * the same data dir, then every write retried by its client with its same key and
 * body until the answer is no longer "unknown" (not 5xx, not 409
 * idempotency_in_progress, not a refused connection) or 90 s have passed. Each
 * write must then be recorded exactly once (ledger and feed), answered with what
 * was recorded, and a join request retried answers with its first result, never
 * 409 already_requested.
 *
 * After a SIGKILL the Powertools in-progress lock of a write that was running
 * answers 409 idempotency_in_progress until it expires (~29 s locally): the retry
 * loop waits that out.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadOrCreateKeys, type LocalKeys } from '../../infra/local/auth';
import { COUNCILS } from '../support/councils';
import { ChallengeWatcher } from '../support/fault-checks';
import { attemptTrail, sendOnce, sendWithRetries, type KeyedRequest, type Outcome } from '../support/fault-client';
import { freePort } from '../support/ports';
import { killAllNpmStarts, npmStart } from '../support/npm-start';

afterAll(killAllNpmStarts);


const [A, B, C, D, E] = Object.values(COUNCILS).map((c) => c.code) as [string, string, string, string, string];

interface Write {
  label: string;
  req: KeyedRequest;
  /** The ledger entry or event that is this write, found by a text only it carries. */
  mine: (item: any) => boolean;
  kind: 'entry' | 'join' | 'invite';
  before?: { status: number | 'transport'; body: any };
  after?: Outcome;
}

describe('a SIGKILL of npm start mid-burst, then retries with the same keys', () => {
  it('records each write exactly once and answers each with what was recorded', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'hub-crash-'));
    const env = { PORT: String(await freePort()), DYNAMODB_PORT: String(await freePort()), HUB_DATA_DIR: dataDir };
    let hub = await npmStart(env);
    const keys: LocalKeys = await loadOrCreateKeys(dataDir);
    const token = (council: string | undefined, group: 'officer' | 'finance' | 'hub-admin') =>
      keys.sign({ sub: `${group}-${council ?? 'admin'}`, ...(council ? { council } : {}), groups: [group] });
    const call = async (method: string, path: string, who: Promise<string>, body?: unknown): Promise<any> => {
      const res = await sendOnce(hub.url, { method: method as KeyedRequest['method'], path, token: await who, key: `setup-${randomUUID()}`, body }, body === undefined ? undefined : JSON.stringify(body));
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    };

    // A consortium of three with money, before anything goes wrong.
    for (const { code, ...council } of Object.values(COUNCILS)) await call('PUT', `/v1/councils/${code}`, token(undefined, 'hub-admin'), council);
    const { id } = await call('POST', '/v1/challenges', token(A, 'officer'), { title: 'Crash recovery', visibility: 'public' });
    const base = `/v1/challenges/${id}`;
    for (const council of [B, C]) {
      await call('POST', `${base}/invitations`, token(A, 'officer'), { council, role: 'partner' });
      await call('POST', `${base}/members/${council}/accept`, token(council, 'officer'));
    }
    const proposal = await call('POST', `${base}/share-agreements`, token(A, 'officer'), { basis: 'equal' });
    for (const council of [B, C]) await call('POST', `${base}/share-agreements/${proposal.version}/approve`, token(council, 'officer'));
    for (const council of [A, B, C]) {
      await call('PUT', `${base}/pledges/${council}`, token(council, 'finance'), { amountPence: 50_000_000 });
      await call('POST', `${base}/commitments`, token(council, 'finance'), { amountPence: 20_000_000 });
    }
    const toReverse = [];
    for (let i = 0; i < 3; i++) toReverse.push(await call('POST', `${base}/costs`, token(A, 'finance'), { amountPence: 7_000 + i, description: `to reverse ${i}` }));

    // The burst: every kind of keyed write, all at once on one challenge.
    const run = Date.now().toString(36);
    const writes: Write[] = [];
    const add = (label: string, kind: Write['kind'], req: Omit<KeyedRequest, 'key'>, mine: Write['mine']) =>
      writes.push({ label, kind, req: { ...req, key: `crash-${run}-${writes.length}` }, mine });
    for (let i = 0; i < 8; i++) {
      const text = `crash cost ${run}-${i}`;
      add(`cost ${i}`, 'entry', { method: 'POST', path: `${base}/costs`, token: await token(A, 'finance'), body: { amountPence: 10_000 + i, description: text } }, (x) => (x.description ?? x.data?.description) === text);
    }
    for (let i = 0; i < 4; i++) {
      const text = `crash receipt ${run}-${i}`;
      const from = i % 2 ? B : C;
      add(`receipt ${i} from ${from}`, 'entry', { method: 'POST', path: `${base}/receipts`, token: await token(A, 'finance'), body: { council: from, amountPence: 4_780 + i, reference: text } }, (x) => (x.reference ?? x.data?.reference) === text);
    }
    for (let i = 0; i < 4; i++) {
      const text = `crash commitment ${run}-${i}`;
      const by = i % 2 ? B : C;
      add(`commitment ${i} by ${by}`, 'entry', { method: 'POST', path: `${base}/commitments`, token: await token(by, 'finance'), body: { amountPence: 3_000 + i, reference: text } }, (x) => (x.reference ?? x.data?.reference) === text);
    }
    for (const [i, cost] of toReverse.entries()) {
      const text = `crash reversal ${run}-${i}`;
      add(`reversal of ${cost.id}`, 'entry', { method: 'POST', path: `${base}/costs/${cost.id}/reverse`, token: await token(A, 'finance'), body: { reason: text } }, (x) => (x.reason ?? x.data?.reason) === text);
    }
    add(`join request by ${D}`, 'join', { method: 'POST', path: `${base}/join-requests`, token: await token(D, 'officer'), body: { role: 'partner' } }, (e) => e.type === 'MemberJoinRequested' && e.data.council === D);
    add(`invitation of ${E}`, 'invite', { method: 'POST', path: `${base}/invitations`, token: await token(A, 'officer'), body: { council: E, role: 'observer' } }, (e) => e.type === 'MemberInvited' && e.data.council === E);

    // Kill the whole hub once about a third of the burst has been answered.
    let answered = 0;
    let killed: Promise<void> | undefined;
    const killAt = Math.ceil(writes.length / 3);
    const kill = () => (killed ??= hub.kill());
    const timer = setTimeout(kill, 5_000);
    await Promise.all(
      writes.map(async (w) => {
        try {
          const res = await sendOnce(hub.url, w.req, JSON.stringify(w.req.body));
          w.before = { status: res.status, body: res.body };
        } catch (error) {
          w.before = { status: 'transport', body: String((error as Error).cause ?? error) };
        }
        if (++answered >= killAt) void kill();
      }),
    );
    clearTimeout(timer);
    await kill();
    const answeredBefore = writes.filter((w) => w.before?.status !== 'transport');

    // Restart on the same data dir (as soon as the ports are free again: a DynamoDB Local
    // that outlives the hub may need a moment to go); every client retries with its key,
    // waiting out in-progress locks.
    const restartedAt = Date.now();
    for (let tries = 1; ; tries++) {
      try {
        hub = await npmStart(env);
        break;
      } catch (error) {
        if (tries >= 60 || !/already in use/.test(String(error))) throw error;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    await Promise.all(writes.map(async (w) => (w.after = await sendWithRetries(() => hub.url, w.req, { deadlineMs: 90_000, backoffMs: () => 500 }))));
    const settledInMs = Date.now() - restartedAt;

    // Read it all back as the lead, whose feed is the whole feed.
    const readToken = await token(A, 'officer');
    const watcher = new ChallengeWatcher(async (path) => {
      const res = await fetch(`${hub.url}${path}`, { headers: { authorization: `Bearer ${readToken}` } });
      return { status: res.status, body: await res.json() };
    }, id);
    const { violations } = await watcher.refresh('all');
    const { entries, events } = watcher.state;

    const defects: string[] = [...violations.map((v) => `invariant: ${v}`)];
    for (const w of writes) {
      const trail = `(before the kill: ${w.before?.status}${w.before?.body?.code ? ` ${w.before.body.code}` : ''}; after: ${attemptTrail(w.after!)})`;
      const final = w.after!;
      if (final.final !== 'ack') defects.push(`${w.label}: final answer ${final.status} ${final.body?.code ?? ''} ${trail}`);
      if (w.kind === 'entry') {
        const recorded = entries.filter(w.mine);
        const announced = events.filter((e) => e.data?.entryId !== undefined && w.mine(e));
        if (recorded.length !== 1 || announced.length !== 1) defects.push(`${w.label}: ${recorded.length} ledger entries and ${announced.length} events ${trail}`);
        if (final.final === 'ack' && recorded.length && !recorded.some((e) => e.id === final.body.id)) defects.push(`${w.label}: answered entry ${final.body.id}, the ledger holds ${recorded.map((e) => e.id).join(', ')} ${trail}`);
        if (typeof w.before?.status === 'number' && w.before.status < 300 && w.before.body.id !== final.body?.id) defects.push(`${w.label}: answered ${w.before.body.id} before the kill, ${final.body?.id} after ${trail}`);
      } else {
        const announced = events.filter(w.mine);
        if (announced.length !== 1) defects.push(`${w.label}: ${announced.length} events ${trail}`);
      }
    }
    const inProgress = writes.filter((w) => w.after!.attempts.some((a) => a.code === 'idempotency_in_progress')).length;
    console.info(
      `crash-recovery: ${writes.length} keyed writes, ${answeredBefore.length} answered before the SIGKILL (${answeredBefore.map((w) => w.before!.status).join(',')}), ` +
        `${writes.length - answeredBefore.length} in flight; after the restart ${inProgress} met 409 idempotency_in_progress, all settled in ${(settledInMs / 1000).toFixed(1)} s; ` +
        `${defects.length} defects${defects.length ? `:\n  ${defects.join('\n  ')}` : ''}`,
    );
    await hub.stop();
    expect(defects).toEqual([]);
  }, 240_000);
});
