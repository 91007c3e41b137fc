import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub';
import { COUNCILS, officerTokens, registerCouncils } from '../support/councils';

/**
 * DynamoDB round trips per operation, counted by an SDK middleware on the one
 * shared client (shared/db). The hub runs in this process and loads the same
 * module, so the middleware sees every call its handlers make, including the
 * Powertools idempotency layer's (it is given the same client).
 */
const { birmingham, coventry, westminster, plymouth, dudley } = COUNCILS;
type Calls = Record<string, number>;

let hub: TestHub;
const calls: Calls = {};
const token: Record<string, string> = {};

beforeAll(async () => {
  hub = await startTestHub();
  // The local hub also runs the event fan-out in this process (stream poller, bus,
  // dispatcher); deployed, that is other Lambdas with clients of their own. It looks up
  // subscriptions on the shared client in the background, so it is stopped here: what is
  // counted below is each operation's own calls and nothing else.
  await (hub as { fanout?: { stop(): Promise<void> } }).fanout?.stop();
  // Imported only now: shared/db builds its client from DYNAMODB_ENDPOINT when it
  // first loads, and startTestHub is what sets it.
  const { dynamodb } = await import('../../shared/store/client');
  const endpoint = await dynamodb.config.endpoint?.();
  expect(`${endpoint?.protocol}//${endpoint?.hostname}:${endpoint?.port}`).toBe(hub.dynamodbEndpoint);
  // Deserialize step, high priority: inside the SDK's retry loop, so every HTTP
  // request to DynamoDB counts once, failed ones included.
  dynamodb.middlewareStack.add(
    (next, context) => async (args) => {
      const name = (context.commandName ?? 'unknown').replace(/Command$/, '');
      calls[name] = (calls[name] ?? 0) + 1;
      return next(args);
    },
    { step: 'deserialize', priority: 'high', name: 'roundTripCounter' },
  );
  await registerCouncils(hub, [birmingham, coventry, westminster, plymouth, dudley]);
  Object.assign(token, await officerTokens(hub, [birmingham, coventry, westminster, plymouth, dudley]));
});
afterAll(() => hub?.stop());

/** Runs one request and answers its status with the DynamoDB calls it made. */
async function measure(
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> },
): Promise<{ status: number; body: any; headers: Headers; calls: Calls }> {
  for (const name of Object.keys(calls)) delete calls[name];
  const res = await hub.call(method, path, options);
  return { ...res, calls: { ...calls } };
}

const READ = { Query: 1 };
const WRITE = { Query: 1, TransactWriteItems: 1 };
const CREATE = { TransactWriteItems: 1 };
/** What an Idempotency-Key adds: a conditional put that takes the key, an update that stores the response. */
const WITH_KEY = (base: Calls) => ({ ...base, PutItem: 1, UpdateItem: 1 });
/** A replay is answered from the failed conditional put alone (Powertools asks for ALL_OLD). */
const REPLAY = { PutItem: 1 };

const fmt = (c: Calls) =>
  Object.entries(c)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, n]) => `${n} ${name}`)
    .join(' + ') || '-';

describe('DynamoDB round trips per operation', () => {
  it('reads take one Query; writes one Query and one TransactWriteItems (create: the transaction alone); Idempotency-Key adds a put and an update', async () => {
    const lead = token[birmingham.code]!;
    const rows: Array<{ operation: string; status: number; calls: Calls; expected: Calls }> = [];
    const row = async (
      operation: string,
      expected: Calls,
      expectedStatus: number,
      method: string,
      path: string,
      options: { token?: string; body?: unknown; headers?: Record<string, string> },
    ) => {
      const r = await measure(method, path, options);
      expect(r.status, `${operation}: ${JSON.stringify(r.body)}`).toBe(expectedStatus);
      rows.push({ operation, status: r.status, calls: r.calls, expected });
      return r;
    };

    // One story, every operation measured without an Idempotency-Key and then,
    // on a second challenge in the same state, with one (and replayed).
    const story = async (key?: (op: string) => Record<string, string>) => {
      const k = key ?? (() => ({}));
      const w = (c: Calls) => (key ? WITH_KEY(c) : c);
      const tag = key ? ' [key]' : '';
      const created = await row(`createChallenge${tag}`, w(CREATE), 201, 'POST', '/v1/challenges', {
        token: lead, body: { title: 'Round trips', visibility: 'public' }, headers: k('create'),
      });
      const id = created.body.id as string;
      const base = `/v1/challenges/${id}`;
      if (!key) {
        await row('getChallenge', READ, 200, 'GET', base, { token: lead });
        await row('listMembers', READ, 200, 'GET', `${base}/members`, { token: lead });
      }
      // PATCH takes no Idempotency-Key (api.md: every POST honours it).
      await row(`patchChallenge${key ? ' [no key: PATCH]' : ''}`, WRITE, 200, 'PATCH', base, {
        token: lead, body: { statement: 'Potholes', howMightWe: 'How might we fix them sooner?' }, headers: { 'if-match': created.headers.get('etag')! },
      });
      await row(`changeStage${tag}`, w(WRITE), 200, 'POST', `${base}/stage`, { token: lead, body: { to: 'scoping' }, headers: k('stage') });
      await row(`inviteCouncil${tag}`, w(WRITE), 201, 'POST', `${base}/invitations`, {
        token: lead, body: { council: coventry.code, role: 'partner' }, headers: k('invite-coventry'),
      });
      await row(`acceptMember (invitation)${tag}`, w(WRITE), 200, 'POST', `${base}/members/${coventry.code}/accept`, {
        token: token[coventry.code], headers: k('accept-coventry'),
      });
      await hub.call('POST', `${base}/invitations`, { token: lead, body: { council: westminster.code, role: 'observer' } });
      await row(`declineMember (invitation)${tag}`, w(WRITE), 200, 'POST', `${base}/members/${westminster.code}/decline`, {
        token: token[westminster.code], headers: k('decline-westminster'),
      });
      await row(`requestToJoin${tag}`, w(WRITE), 201, 'POST', `${base}/join-requests`, {
        token: token[plymouth.code], body: { role: 'partner' }, headers: k('join-plymouth'),
      });
      await row(`acceptMember (request)${tag}`, w(WRITE), 200, 'POST', `${base}/members/${plymouth.code}/accept`, {
        token: lead, headers: k('accept-plymouth'),
      });
      await hub.call('POST', `${base}/join-requests`, { token: token[dudley.code], body: { role: 'partner' } });
      await row(`declineMember (request)${tag}`, w(WRITE), 200, 'POST', `${base}/members/${dudley.code}/decline`, {
        token: lead, headers: k('decline-dudley'),
      });
      await row(`withdrawMember${tag}`, w(WRITE), 200, 'POST', `${base}/members/${coventry.code}/withdraw`, {
        token: token[coventry.code], headers: k('withdraw-coventry'),
      });
      await row(`transferLead${tag}`, w(WRITE), 200, 'POST', `${base}/lead`, {
        token: lead, body: { council: plymouth.code }, headers: k('lead-plymouth'),
      });
      // A refusal reads and decides, and writes nothing; with a key, the write marker is
      // looked up first (a retry of a write that committed replays it) and the key is released.
      await row(`changeStage refused (409)${tag}`, key ? { PutItem: 1, Query: 1, GetItem: 1, DeleteItem: 1 } : READ, 409, 'POST', `${base}/stage`, {
        token: token[plymouth.code], body: { to: 'market_engagement' }, headers: k('stage-refused'),
      });
      return id;
    };

    await story();
    const keyed = await story((op) => ({ 'idempotency-key': `round-trips-${op}` }));

    // Replays: the same keys and bodies again; nothing runs, the stored answer comes back.
    const replay = async (operation: string, status: number, path: string, options: { token?: string; body?: unknown; headers: Record<string, string> }) => {
      const r = await row(`${operation} [replay]`, REPLAY, status, 'POST', path, options);
      expect(r.headers.get('idempotent-replayed'), operation).toBe('true');
    };
    await replay('createChallenge', 201, '/v1/challenges', {
      token: lead, body: { title: 'Round trips', visibility: 'public' }, headers: { 'idempotency-key': 'round-trips-create' },
    });
    await replay('inviteCouncil', 201, `/v1/challenges/${keyed}/invitations`, {
      token: lead, body: { council: coventry.code, role: 'partner' }, headers: { 'idempotency-key': 'round-trips-invite-coventry' },
    });
    await replay('transferLead', 200, `/v1/challenges/${keyed}/lead`, {
      token: lead, body: { council: plymouth.code }, headers: { 'idempotency-key': 'round-trips-lead-plymouth' },
    });

    // Further reads, for the record.
    await row('listEvents (visibility + page)', { Query: 2 }, 200, 'GET', `/v1/challenges/${keyed}/events`, { token: lead });
    await row('listCouncilChallenges (GSI1 + BatchGet)', { Query: 1, BatchGetItem: 1 }, 200, 'GET', `/v1/councils/${birmingham.code}/challenges`, { token: lead });
    await row('listChallenges (GSI2 public + GSI1 own)', { Query: 2 }, 200, 'GET', '/v1/challenges', { token: lead });

    const width = Math.max(...rows.map((r) => r.operation.length));
    console.log(
      [
        `${'operation'.padEnd(width)}  status  DynamoDB calls`,
        ...rows.map((r) => `${r.operation.padEnd(width)}  ${String(r.status).padEnd(6)}  ${fmt(r.calls)}`),
      ].join('\n'),
    );
    expect(Object.fromEntries(rows.map((r) => [r.operation, r.calls]))).toEqual(Object.fromEntries(rows.map((r) => [r.operation, r.expected])));
    // Every write of the list was measured both ways.
    for (const op of ['inviteCouncil', 'acceptMember (invitation)', 'declineMember (invitation)', 'withdrawMember', 'transferLead', 'changeStage', 'createChallenge', 'requestToJoin']) {
      expect(rows.map((r) => r.operation)).toContain(op);
      expect(rows.map((r) => r.operation)).toContain(`${op} [key]`);
    }
    expect(rows.map((r) => r.operation)).toContain('patchChallenge');
  });
});

describe('no Scan anywhere', () => {
  it('functions/, shared/ and infra/ never use ScanCommand (or a Scan paginator)', async () => {
    const root = join(import.meta.dirname, '..', '..');
    const files: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
        const path = join(dir, entry.name);
        if (entry.isDirectory()) await walk(path);
        else if (/\.[cm]?[jt]s$/.test(entry.name)) files.push(path);
      }
    };
    for (const dir of ['functions', 'shared', 'infra']) await walk(join(root, dir));
    // The walk really reached the code that talks to DynamoDB.
    const names = files.map((f) => relative(root, f));
    expect(names).toEqual(expect.arrayContaining(['functions/challenges.ts', 'functions/membership.ts', 'shared/store/write.ts', 'shared/store/client.ts']));
    const offenders: string[] = [];
    for (const file of files) {
      const lines = (await readFile(file, 'utf8')).split('\n');
      lines.forEach((line, i) => {
        if (/\bScanCommand\b|\bpaginateScan\b|\bScanInput\b/.test(line)) offenders.push(`${relative(root, file)}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(offenders).toEqual([]);
  });
});
