/**
 * `npm run openapi:examples`: replays the story (test/contract/story.ts) against a
 * fresh local hub with its own DynamoDB Local, and writes the first successful
 * request and response body of each operation to shared/openapi-examples.json, the
 * examples of the OpenAPI document. test/unit/openapi.test.ts checks them against
 * the schemas, so a schema change that outdates them fails until they are written again.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHub } from '../../infra/local/hub';
import type { ApiExample } from '../../shared/openapi-examples';
import { routeList } from '../../shared/routes';
import { freePort } from '../support/ports';
import { callJson } from '../support/http';
import { WebhookReceiver } from '../support/webhook-receiver';
import { runStory } from './story';

const OUT = new URL('../../shared/openapi-examples.json', import.meta.url);

/** A signing secret in the shape the hub issues, that nobody holds (the example must not carry a live one). */
const EXAMPLE_SECRET = `whsec_${Buffer.alloc(32).toString('base64')}`;

/**
 * A list keeps two items (a package one release): enough to show the shape, small enough to
 * ship in the document. A secret is replaced, and its hint with it.
 */
function trimmed(body: any): unknown {
  if (Array.isArray(body?.items)) return withExampleSecret({ ...body, items: body.items.slice(0, 2) });
  if (Array.isArray(body?.releases)) return { ...body, releases: body.releases.slice(0, 1) };
  return withExampleSecret(body);
}

/** Every `secret` and `secretHint` in a body, as they would be for EXAMPLE_SECRET. */
function withExampleSecret(value: any): any {
  if (Array.isArray(value)) return value.map(withExampleSecret);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, k === 'secret' ? EXAMPLE_SECRET : k === 'secretHint' ? `whsec_…${EXAMPLE_SECRET.slice(-4)}` : withExampleSecret(v)]),
  );
}

const receiver = await new WebhookReceiver().start();
const hub = await startHub({ port: 0, host: '127.0.0.1', dynamodbPort: await freePort(), dynamodbEndpoint: undefined, dataDir: await mkdtemp(join(tmpdir(), 'examples-')), tableName: 'council-hub' });
try {
  const exchanges = await runStory({
    webhookUrl: `${receiver.url}/examples`,
    token: ({ council, groups, sub }) => hub.keys.sign({ sub: sub ?? 'examples', ...(council ? { council } : {}), groups }),
    call: async (step, method, path, request = {}) => ({ step, method, path, requestBody: request.body, ...(await callJson(method, `${hub.url}${path}`, request)) }),
  });
  const examples: Record<string, ApiExample> = {};
  for (const route of routeList.filter((r) => r.openApi !== false)) {
    const template = new RegExp(`^${route.path.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    const mine = exchanges.filter((e) => e.method === route.method && template.test(e.path.split('?')[0]!) && route.responses[e.status]?.schema && typeof e.body === 'object');
    const first = mine[0];
    if (!first) continue;
    examples[route.operationId] = {
      ...(first.requestBody !== undefined ? { request: first.requestBody } : {}),
      response: { [first.status]: trimmed(first.body) },
    };
  }
  await writeFile(OUT, `${JSON.stringify(examples, null, 2)}\n`);
  console.log(`openapi examples: ${Object.keys(examples).length} operations, from ${exchanges.length} exchanges`);
} finally {
  await hub.stop();
  await receiver.stop();
}
