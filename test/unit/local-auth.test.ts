import { spawnSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLOCK_SKEW_SECONDS, LOCAL_AUDIENCE, LOCAL_ISSUER, loadOrCreateKeys, type LocalKeys } from '../../infra/local/auth';

let dataDir: string;
let keys: LocalKeys;
const now = () => Math.floor(Date.now() / 1000);
const base = () => ({ iss: LOCAL_ISSUER, aud: LOCAL_AUDIENCE, sub: 'user-1', 'custom:council': 'E08000025', 'cognito:groups': ['officer'] });

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'hub-auth-'));
  keys = await loadOrCreateKeys(dataDir);
});

describe('local token verification (as the JWT authorizer checks it)', () => {
  it('accepts what npm run token signs', async () => {
    const payload = await keys.verify(await keys.sign({ sub: 'user-1', council: 'E08000025', groups: ['officer'] }));
    expect(payload).toMatchObject({ sub: 'user-1', 'custom:council': 'E08000025', iss: LOCAL_ISSUER, aud: LOCAL_AUDIENCE });
    expect(typeof payload.exp).toBe('number');
    expect(typeof payload.iat).toBe('number');
  });

  it('refuses a token without exp', async () => {
    await expect(keys.verify(await keys.signPayload({ ...base(), iat: now() }))).rejects.toThrow(/exp/);
  });

  it('refuses an expired token and one not yet valid (nbf)', async () => {
    await expect(keys.verify(await keys.signPayload({ ...base(), iat: now() - 120, exp: now() - 1 }))).rejects.toThrow(/exp/);
    await expect(keys.verify(await keys.signPayload({ ...base(), iat: now(), nbf: now() + 60, exp: now() + 3600 }))).rejects.toThrow(/nbf/);
  });

  it('refuses a token issued in the future beyond the clock skew, accepts one within it', async () => {
    const future = await keys.signPayload({ ...base(), iat: now() + CLOCK_SKEW_SECONDS + 60, exp: now() + 3600 });
    await expect(keys.verify(future)).rejects.toThrow(/iat/);
    const slightlyAhead = await keys.signPayload({ ...base(), iat: now() + 5, exp: now() + 3600 });
    await expect(keys.verify(slightlyAhead)).resolves.toMatchObject({ sub: 'user-1' });
  });

  it('refuses another issuer, another audience and another key', async () => {
    await expect(keys.verify(await keys.signPayload({ ...base(), iss: 'urn:elsewhere', iat: now(), exp: now() + 60 }))).rejects.toThrow(/iss/);
    await expect(keys.verify(await keys.signPayload({ ...base(), aud: 'other-client', iat: now(), exp: now() + 60 }))).rejects.toThrow(/aud/);
    const stranger = await loadOrCreateKeys(await mkdtemp(join(tmpdir(), 'hub-auth-')));
    await expect(keys.verify(await stranger.sign({ sub: 'user-1', council: 'E08000025', groups: ['officer'] }))).rejects.toThrow();
  });
});

describe('npm run token', () => {
  it('still prints a token the hub accepts, with exp and iat', async () => {
    const run = spawnSync('npm', ['run', '--silent', 'token', '--', '--council', 'E08000026', '--groups', 'officer,finance', '--sub', 'cli-user'], {
      env: { ...process.env, HUB_DATA_DIR: dataDir },
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    const token = run.stdout.trim();
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ sub: 'cli-user', 'custom:council': 'E08000026', 'cognito:groups': ['officer', 'finance'] });
    expect(claims.exp! - claims.iat!).toBe(12 * 3600);
    await expect(keys.verify(token)).resolves.toMatchObject({ sub: 'cli-user' });
  }, 60_000);
});
