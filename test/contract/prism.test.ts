/**
 * The contract as an outsider's tool checks it: the whole story (test/contract/story.ts,
 * every documented operation, refusals included) goes through Stoplight Prism as a
 * validating proxy (`prism proxy --errors`) in front of the local hub. Prism checks
 * each request and each answer (status, headers, content type, body) against the
 * generated OpenAPI document; any violation comes back as an `sl-violations` header
 * or as Prism's own error in place of the hub's answer, and fails the test.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeList } from '../../shared/routes';
import { startTestHub, type TestHub } from '../support/hub';
import { callJson } from '../support/http';
import { freePort } from '../support/ports';
import { WebhookReceiver } from '../support/webhook-receiver';
import { type Exchange, runStory } from './story';

let hub: TestHub;
let receiver: WebhookReceiver;
let prism: ChildProcess;
let prismUrl: string;
let prismOutput = '';

async function startPrism(documentPath: string, upstream: string): Promise<void> {
  const port = await freePort();
  prismUrl = `http://127.0.0.1:${port}`;
  prism = spawn(process.execPath, ['node_modules/@stoplight/prism-cli/dist/index.js', 'proxy', documentPath, upstream, '--errors', '--host', '127.0.0.1', '--port', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  process.once('exit', () => prism.kill('SIGKILL'));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Prism did not start: ${prismOutput}`)), 60_000);
    const listen = (chunk: Buffer) => {
      prismOutput += chunk;
      if (prismOutput.includes('Prism is listening')) {
        clearTimeout(timer);
        resolve();
      }
    };
    prism.stdout!.on('data', listen);
    prism.stderr!.on('data', listen);
    prism.once('exit', (code) => reject(new Error(`Prism exited ${code}: ${prismOutput}`)));
  });
}

beforeAll(async () => {
  receiver = await new WebhookReceiver().start();
  hub = await startTestHub();
  const dir = await mkdtemp(join(tmpdir(), 'contract-'));
  const documentPath = join(dir, 'openapi.json');
  // The document as an integrator downloads it from the hub.
  const served = await fetch(`${hub.url}/openapi.json`);
  expect(served.status).toBe(200);
  await writeFile(documentPath, await served.text());
  await startPrism(documentPath, hub.url);
}, 120_000);
afterAll(async () => {
  prism?.kill('SIGTERM');
  await hub?.stop();
  await receiver?.stop();
});

/** What Prism said about one exchange: its violation header, or its own error in place of the hub's answer. */
function prismComplaint(exchange: Exchange): string | undefined {
  const violations = exchange.headers.get('sl-violations');
  if (violations) return `violations: ${violations}`;
  if (typeof exchange.body?.type === 'string' && exchange.body.type.startsWith('https://stoplight.io/prism/errors')) return `Prism error: ${JSON.stringify(exchange.body)}`;
  return undefined;
}

const templateOf = (path: string) => new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`);

describe('the API through a validating proxy (Stoplight Prism 5, proxy --errors)', () => {
  it('answers every step of the story exactly as the OpenAPI document says, over every documented operation', { timeout: 240_000 }, async () => {
    const exchanges = await runStory({
      webhookUrl: `${receiver.url}/story`,
      token: (claims) => hub.token(claims),
      call: async (step, method, path, request = {}) => ({ step, method, path, requestBody: request.body, ...(await callJson(method, `${prismUrl}${path}`, request)) }),
    });

    const complaints = exchanges.flatMap((e) => {
      const complaint = prismComplaint(e);
      return complaint ? [`${e.step} (${e.method} ${e.path} → ${e.status}): ${complaint}`] : [];
    });
    expect(complaints).toEqual([]);

    const documented = routeList.filter((r) => r.openApi !== false);
    const unexercised = documented.filter((r) => !exchanges.some((e) => e.method === r.method && templateOf(r.path).test(e.path.split('?')[0]!)));
    expect(unexercised.map((r) => r.operationId)).toEqual([]);
    // The refusals are part of the story, not only the successes.
    expect(new Set(exchanges.map((e) => e.status))).toEqual(new Set([200, 201, 202, 204, 304, 401, 403, 404, 409, 412, 422, 428]));
    console.log(`contract: ${exchanges.length} exchanges over ${documented.length} operations through Prism, 0 violations`);
  });
});
