import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postWebhook } from '../../shared/fanout/http-post';

let server: Server;
let port: number;
const seen: Array<{ url: string; headers: Record<string, unknown>; body: string }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ url: req.url ?? '', headers: req.headers, body });
      if (req.url === '/slow') return; // never answers
      res.writeHead(req.url === '/gone' ? 410 : 204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const request = { body: '{"type":"X"}', headers: { 'content-type': 'application/json', 'webhook-id': 'id-1' } };

describe('one webhook POST', () => {
  it('locally, reaches a loopback receiver by name through the checked lookup, and reports its status', async () => {
    expect(await postWebhook(`http://localhost:${port}/ok`, request, { timeoutMs: 2_000, localMode: true })).toEqual({ statusCode: 204 });
    expect(await postWebhook(`http://127.0.0.1:${port}/gone`, request, { timeoutMs: 2_000, localMode: true })).toEqual({ statusCode: 410 });
    expect(seen.at(-1)).toMatchObject({ body: request.body, headers: { 'webhook-id': 'id-1', 'content-length': String(request.body.length) } });
  });

  it('deployed, never connects to a loopback or private address, by literal or by name', async () => {
    const before = seen.length;
    expect(await postWebhook(`http://127.0.0.1:${port}/ok`, request, { timeoutMs: 2_000, localMode: false })).toEqual({ error: expect.stringMatching(/https/) });
    expect(await postWebhook(`https://127.0.0.1:${port}/ok`, request, { timeoutMs: 2_000, localMode: false })).toEqual({ error: expect.stringMatching(/loopback/) });
    expect(await postWebhook(`https://localhost:${port}/ok`, request, { timeoutMs: 2_000, localMode: false })).toEqual({ error: expect.stringMatching(/loopback/) });
    expect(await postWebhook('https://10.0.0.1/x', request, { timeoutMs: 2_000, localMode: false })).toEqual({ error: expect.stringMatching(/private/) });
    expect(await postWebhook('https://[::ffff:169.254.169.254]/x', request, { timeoutMs: 2_000, localMode: false })).toEqual({ error: expect.stringMatching(/link-local/) });
    expect(seen.length).toBe(before);
  });

  it('gives up on an endpoint that does not answer in time', async () => {
    const started = Date.now();
    expect(await postWebhook(`http://127.0.0.1:${port}/slow`, request, { timeoutMs: 300, localMode: true })).toEqual({ error: 'No answer within 0.3 s' });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('reports a refused connection as an error, not a status', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const freePort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    expect(await postWebhook(`http://127.0.0.1:${freePort}/`, request, { timeoutMs: 2_000, localMode: true })).toEqual({ error: expect.stringMatching(/ECONNREFUSED/) });
  });
});
