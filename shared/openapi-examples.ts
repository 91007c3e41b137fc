/**
 * Worked examples for the OpenAPI document: the request and response bodies of the
 * main story, as the hub answered them (written by `npm run openapi:examples`, which
 * replays test/contract/story.ts against a fresh local hub). test/unit/openapi.test.ts
 * checks every one against its route's schemas, so they cannot drift from the API.
 */
import examples from './openapi-examples.json' with { type: 'json' };

export interface ApiExample {
  request?: unknown;
  /** By status. */
  response?: Record<number, unknown>;
}

export const apiExamples: Readonly<Record<string, ApiExample>> = examples;
