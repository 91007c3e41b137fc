/**
 * The local hub the benches share: started once per `npm run bench` (the handlers
 * bind DYNAMODB_ENDPOINT and TABLE_NAME when they first load, as in Lambda), with a
 * file-backed DynamoDB Local in a temporary data dir, exactly as `npm start` runs it.
 * Also: tokens, JSON calls, five registered councils and a five-council consortium
 * with an active agreement, pledges and commitments, ready for costs.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Group } from '../../shared/auth';
import { startHub, type RunningHub } from '../../infra/local/hub';
import { freePort } from '../support/ports';
import { callJson } from '../support/http';

export const BENCH_TABLE = 'council-hub-bench';

/** Five councils none of the other benches' webhooks listen to (the fan-out bench subscribes E08000025). */
export const BENCH_COUNCILS = [
  { code: 'E06000001', name: 'Hartlepool Borough Council', kind: 'unitary', population: 92_300 },
  { code: 'E06000002', name: 'Middlesbrough Council', kind: 'unitary', population: 143_900 },
  { code: 'E06000003', name: 'Redcar and Cleveland Borough Council', kind: 'unitary', population: 136_500 },
  { code: 'E06000004', name: 'Stockton-on-Tees Borough Council', kind: 'unitary', population: 196_600 },
  { code: 'E06000005', name: 'Darlington Borough Council', kind: 'unitary', population: 107_800 },
] as const;
export const LEAD = BENCH_COUNCILS[0].code;

export interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

export interface BenchHub {
  hub: RunningHub;
  url: string;
  dataDir: string;
  tableName: string;
  token(claims: { council?: string; groups: Group[]; sub?: string }): Promise<string>;
  /** The token of `council`'s user in `group` (one per pair, cached). */
  as(council: string, group: Group): Promise<string>;
  call(method: string, path: string, options?: { token?: string; body?: unknown; headers?: Record<string, string>; base?: string }): Promise<Answer>;
  /** A challenge led by LEAD with the other four active, an equal agreement active, 10^9 pence pledged and committed each. */
  consortium(title: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startBenchHub(): Promise<BenchHub> {
  const dataDir = await mkdtemp(join(tmpdir(), 'hub-bench-'));
  const hub = await startHub({
    port: 0,
    host: '127.0.0.1',
    dynamodbPort: await freePort(),
    dynamodbEndpoint: process.env.DYNAMODB_ENDPOINT || undefined,
    dataDir,
    tableName: BENCH_TABLE,
  });
  const tokens = new Map<string, string>();
  const bench: BenchHub = {
    hub,
    url: hub.url,
    dataDir,
    tableName: BENCH_TABLE,
    token: ({ council, groups, sub }) => hub.keys.sign({ sub: sub ?? `bench-${council ?? 'admin'}-${groups.join('-')}`, ...(council ? { council } : {}), groups }),
    async as(council, group) {
      const key = `${council}:${group}`;
      let t = tokens.get(key);
      if (!t) tokens.set(key, (t = await bench.token({ council, groups: [group] })));
      return t;
    },
    call: (method, path, { base = hub.url, ...request } = {}) => callJson(method, `${base}${path}`, request),
    async consortium(title) {
      const must = async (what: string, status: number, answer: Promise<Answer>) => {
        const a = await answer;
        if (a.status !== status) throw new Error(`${what}: ${a.status} ${JSON.stringify(a.body)}`);
        return a.body;
      };
      const officer = (c: string) => bench.as(c, 'officer');
      const finance = (c: string) => bench.as(c, 'finance');
      const { id } = await must('create challenge', 201, bench.call('POST', '/v1/challenges', { token: await officer(LEAD), body: { title } }));
      for (const { code } of BENCH_COUNCILS.slice(1)) {
        await must(`invite ${code}`, 201, bench.call('POST', `/v1/challenges/${id}/invitations`, { token: await officer(LEAD), body: { council: code, role: 'partner' } }));
        await must(`accept ${code}`, 200, bench.call('POST', `/v1/challenges/${id}/members/${code}/accept`, { token: await officer(code) }));
      }
      const proposed = await must('propose', 201, bench.call('POST', `/v1/challenges/${id}/share-agreements`, { token: await officer(LEAD), body: { basis: 'equal' } }));
      for (const { code } of BENCH_COUNCILS.slice(1)) {
        await must(`approve ${code}`, 200, bench.call('POST', `/v1/challenges/${id}/share-agreements/${proposed.version}/approve`, { token: await officer(code) }));
      }
      for (const { code } of BENCH_COUNCILS) {
        await must(`pledge ${code}`, 200, bench.call('PUT', `/v1/challenges/${id}/pledges/${code}`, { token: await finance(code), body: { amountPence: 1_000_000_000 } }));
        await must(`commit ${code}`, 201, bench.call('POST', `/v1/challenges/${id}/commitments`, { token: await finance(code), body: { amountPence: 1_000_000_000 } }));
      }
      return id as string;
    },
    async stop() {
      await hub.stop();
      await rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    },
  };
  const admin = await bench.token({ groups: ['hub-admin'] });
  for (const { code, ...body } of BENCH_COUNCILS) {
    const res = await bench.call('PUT', `/v1/councils/${code}`, { token: admin, body });
    if (res.status !== 201 && res.status !== 200) throw new Error(`register ${code}: ${res.status} ${JSON.stringify(res.body)}`);
  }
  return bench;
}

/** A cost the lead's finance records: small, so 10^9 pence of headroom per member lasts. */
export const costBody = (i: number) => ({ amountPence: 1_000 + (i % 97), description: `Bench invoice ${i}` });
