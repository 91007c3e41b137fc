import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { classifyAddress, embeddedIpv4, isAllowedAddress, resolvedUrlProblem, safeLookup, urlProblem } from '../../shared/fanout/url-safety';

describe('address classes', () => {
  it.each([
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.254', 'private'],
    ['192.168.1.10', 'private'],
    ['100.64.0.1', 'private'],
    ['127.0.0.1', 'loopback'],
    ['127.10.20.30', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['0.0.0.0', 'reserved'],
    ['224.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'reserved'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fe80::1', 'link-local'],
    ['febf::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['ff02::1', 'reserved'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:a00:1', 'private'],
    ['0:0:0:0:0:ffff:127.0.0.1', 'loopback'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['64:ff9b::192.168.0.1', 'private'],
    ['8.8.8.8', 'public'],
    ['172.15.255.255', 'public'],
    ['172.32.0.1', 'public'],
    ['1.1.1.1', 'public'],
    ['2606:4700:4700::1111', 'public'],
    ['::ffff:8.8.8.8', 'public'],
    ['not-an-address', 'reserved'],
  ])('%s is %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });

  it('finds IPv4 inside mapped and NAT64 IPv6 addresses only', () => {
    expect(embeddedIpv4('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(embeddedIpv4('::ffff:7f00:1')).toBe('127.0.0.1');
    expect(embeddedIpv4('64:ff9b::a9fe:a9fe')).toBe('169.254.169.254');
    expect(embeddedIpv4('2001:db8::1')).toBeUndefined();
    expect(embeddedIpv4('10.0.0.1')).toBeUndefined();
  });

  it('deployed, only public addresses are allowed; locally, loopback too and nothing else', () => {
    expect(isAllowedAddress('8.8.8.8', false)).toBe(true);
    expect(isAllowedAddress('127.0.0.1', false)).toBe(false);
    expect(isAllowedAddress('::1', false)).toBe(false);
    expect(isAllowedAddress('127.0.0.1', true)).toBe(true);
    expect(isAllowedAddress('::ffff:127.0.0.1', true)).toBe(true);
    expect(isAllowedAddress('10.0.0.1', true)).toBe(false);
    expect(isAllowedAddress('169.254.169.254', true)).toBe(false);
  });
});

describe('URL shape', () => {
  it('deployed, https only, without credentials or fragment', () => {
    expect(urlProblem('https://hooks.coventry.example/hub', false)).toBeUndefined();
    expect(urlProblem('http://hooks.coventry.example/hub', false)).toMatch(/https/);
    expect(urlProblem('ftp://hooks.coventry.example/', false)).toMatch(/https/);
    expect(urlProblem('https://user:pass@hooks.coventry.example/', false)).toMatch(/credentials/);
    expect(urlProblem('https://hooks.coventry.example/#x', false)).toMatch(/fragment/);
    expect(urlProblem('/relative', false)).toMatch(/absolute/);
  });

  it('locally, http is allowed too', () => {
    expect(urlProblem('http://127.0.0.1:9000/hook', true)).toBeUndefined();
  });
});

describe('resolving and checking every address', () => {
  const dns = (answers: Record<string, string[]>) => async (host: string): Promise<LookupAddress[]> => {
    const found = answers[host];
    if (!found) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  const resolver = dns({
    'public.example': ['93.184.216.34', '2606:2800:220:1::1'],
    'mixed.example': ['93.184.216.34', '10.0.0.7'],
    'sneaky.example': ['2606:2800:220:1::1', '::ffff:10.0.0.1'],
    'metadata.example': ['169.254.169.254'],
    'localhost.example': ['127.0.0.1', '::1'],
  });

  it('accepts a host whose every address is public', async () => {
    expect(await resolvedUrlProblem('https://public.example/hook', false, resolver)).toBeUndefined();
  });

  it('refuses a host with any private, link-local or mapped-private address', async () => {
    expect(await resolvedUrlProblem('https://mixed.example/hook', false, resolver)).toMatch(/private address \(10\.0\.0\.7\)/);
    expect(await resolvedUrlProblem('https://sneaky.example/hook', false, resolver)).toMatch(/private/);
    expect(await resolvedUrlProblem('https://metadata.example/', false, resolver)).toMatch(/link-local/);
    expect(await resolvedUrlProblem('https://localhost.example/', false, resolver)).toMatch(/loopback/);
  });

  it('checks IP literals without DNS, IPv6 in brackets too', async () => {
    expect(await resolvedUrlProblem('https://10.1.2.3/hook', false, resolver)).toMatch(/private/);
    expect(await resolvedUrlProblem('https://[::1]/hook', false, resolver)).toMatch(/loopback/);
    expect(await resolvedUrlProblem('https://[fe80::1]/hook', false, resolver)).toMatch(/link-local/);
    expect(await resolvedUrlProblem('https://[::ffff:10.0.0.1]/hook', false, resolver)).toMatch(/private/);
    expect(await resolvedUrlProblem('https://8.8.8.8/hook', false, resolver)).toBeUndefined();
  });

  it('refuses a host that does not resolve', async () => {
    expect(await resolvedUrlProblem('https://nowhere.example/', false, resolver)).toMatch(/does not resolve \(ENOTFOUND\)/);
  });

  it('locally allows loopback, never private', async () => {
    expect(await resolvedUrlProblem('http://localhost.example:8080/', true, resolver)).toBeUndefined();
    expect(await resolvedUrlProblem('http://127.0.0.1:8080/', true, resolver)).toBeUndefined();
    expect(await resolvedUrlProblem('http://mixed.example/', true, resolver)).toMatch(/private/);
  });

  it('the connection lookup fails on a forbidden answer and passes on allowed ones', async () => {
    const lookup = (host: string, all: boolean, local = false) =>
      new Promise<{ error: Error | null; address: unknown }>((resolve) =>
        safeLookup(local, resolver)(host, { all }, (error, address) => resolve({ error, address })),
      );
    expect((await lookup('mixed.example', true)).error?.message).toMatch(/private address 10\.0\.0\.7/);
    expect((await lookup('public.example', true)).address).toHaveLength(2);
    expect((await lookup('public.example', false)).address).toBe('93.184.216.34');
    expect((await lookup('localhost.example', false)).error).toBeTruthy();
    expect((await lookup('localhost.example', false, true)).address).toBe('127.0.0.1');
  });
});
