import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { LOCAL_AUDIENCE, LOCAL_ISSUER, loadOrCreateKeys, type LocalKeys, VERIFIED_TOKEN_CACHE_SIZE } from '../../infra/local/auth';

/** The local hub's verified-token cache (infra/local/auth.ts): a repeated token is not verified again, until its exp. */
let keys: LocalKeys;
const now = () => Math.floor(Date.now() / 1000);
const claims = (sub: string, exp: number) => ({ iss: LOCAL_ISSUER, aud: LOCAL_AUDIENCE, sub, 'custom:council': 'E08000025', 'cognito:groups': ['officer'], iat: now(), exp });

beforeAll(async () => {
  keys = await loadOrCreateKeys(await mkdtemp(join(tmpdir(), 'hub-token-cache-')));
});
afterEach(() => {
  vi.useRealTimers();
  keys.tokenCache.maxSize = VERIFIED_TOKEN_CACHE_SIZE;
  keys.tokenCache.clear();
});

describe('verified-token cache', () => {
  it('answers a repeated token from the cache with the same, frozen payload', async () => {
    const token = await keys.sign({ sub: 'user-1', council: 'E08000025', groups: ['officer'] });
    const first = await keys.verify(token);
    const again = await keys.verify(token);
    expect(again).toBe(first);
    expect(keys.tokenCache.size).toBe(1);
    expect(Object.isFrozen(first) && Object.isFrozen(first['cognito:groups'])).toBe(true);
  });

  it('refuses a cached token once its exp is reached, exactly as jose does', async () => {
    const token = await keys.signPayload(claims('user-2', now() + 60));
    await expect(keys.verify(token)).resolves.toMatchObject({ sub: 'user-2' });
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 59_000);
    await expect(keys.verify(token)).resolves.toMatchObject({ sub: 'user-2' });
    vi.setSystemTime(Date.now() + 2_000);
    await expect(keys.verify(token)).rejects.toThrow(/exp/);
    expect(keys.tokenCache.size).toBe(0);
  });

  it('never caches a refused token', async () => {
    const foreign = await keys.signPayload({ ...claims('user-3', now() + 60), aud: 'another-client' });
    await expect(keys.verify(foreign)).rejects.toThrow(/aud/);
    await expect(keys.verify(foreign)).rejects.toThrow(/aud/);
    expect(keys.tokenCache.size).toBe(0);
  });

  it('holds at most maxSize tokens, oldest out first; 0 turns it off', async () => {
    keys.tokenCache.maxSize = 2;
    const tokens = await Promise.all(['a', 'b', 'c'].map((sub) => keys.signPayload(claims(sub, now() + 60))));
    const payloads = [];
    for (const t of tokens) payloads.push(await keys.verify(t));
    expect(keys.tokenCache.size).toBe(2);
    expect(await keys.verify(tokens[2]!)).toBe(payloads[2]);
    expect(await keys.verify(tokens[0]!)).not.toBe(payloads[0]);
    keys.tokenCache.maxSize = 0;
    const off = await keys.signPayload(claims('d', now() + 60));
    expect(await keys.verify(off)).not.toBe(await keys.verify(off));
  });
});
