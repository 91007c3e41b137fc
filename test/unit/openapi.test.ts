/**
 * The OpenAPI document as an integrator reads it: linted by Redocly CLI (its
 * recommended rules) with nothing to report, every operation's answers, headers and
 * examples there, and the hub refusing to send an answer the document does not declare.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it } from 'vitest';
import { Refusal, refuse } from '../../shared/domain/transition';
import { problemAnswers } from '../../shared/http/answers';
import { problemDetails } from '../../shared/http/problem-details';
import { buildOpenApiDocument } from '../../shared/openapi';
import { apiExamples } from '../../shared/openapi-examples';
import { PROBLEM_CODES, type ProblemCode } from '../../shared/problem-codes';
import { routeList, routes } from '../../shared/routes';
import { ULID_PATTERN } from '../../shared/schemas/common';

const doc = buildOpenApiDocument('http://127.0.0.1:3000') as any;
const documented = routeList.filter((r) => r.openApi !== false);
const operationOf = (r: (typeof routeList)[number]) => doc.paths[r.path][r.method.toLowerCase()];
/** The codes a problem answer admits: the Problem schema narrowed by allOf. */
const codesOf = (response: any) => {
  const schema = response.content['application/problem+json'].schema;
  expect(schema.allOf[0]).toEqual({ $ref: '#/components/schemas/Problem' });
  return schema.allOf[1].properties.code.enum;
};

describe('the OpenAPI document, linted by Redocly CLI 2.77 (recommended rules)', () => {
  it('has 0 errors and 0 warnings', { timeout: 60_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'openapi-'));
    await writeFile(join(dir, 'openapi.json'), JSON.stringify(doc));
    const { stdout } = await promisify(execFile)(process.execPath, ['node_modules/@redocly/cli/bin/cli.js', 'lint', join(dir, 'openapi.json'), '--format=json'], {
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    });
    const report = JSON.parse(stdout.slice(stdout.indexOf('{')));
    expect(report.problems.map((p: { ruleId: string; message: string }) => `${p.ruleId}: ${p.message}`)).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  });
});

describe('every operation says what it answers', () => {
  it('names the codes each problem status can carry, from the operation’s own refusals', () => {
    const record = operationOf(routes.recordCost);
    expect(Object.keys(record.responses).sort()).toEqual(['201', '400', '401', '403', '404', '409', '422', '429', '500', '503']);
    expect(codesOf(record.responses['409'])).toEqual(['agreement_required', 'challenge_closed', 'idempotency_in_progress']);
    expect(codesOf(record.responses['503'])).toEqual(['write_contention', 'write_outcome_unknown']);
    expect(record.responses['503'].headers['retry-after']).toBeDefined();
    const patch = operationOf(routes.patchChallenge);
    expect(Object.keys(patch.responses)).toEqual(expect.arrayContaining(['409', '412', '428', '503']));
    expect(Object.keys(operationOf(routes.setPledge).responses)).toContain('409');
  });

  it('declares every code of the catalogue on some operation, and every code it declares is in the catalogue', () => {
    const declared = new Set(documented.flatMap((r) => problemAnswers(r).flatMap((a) => a.codes)));
    expect([...declared].sort()).toEqual((Object.keys(PROBLEM_CODES) as ProblemCode[]).sort());
  });

  it('declares Idempotency-Key on every POST and Idempotent-Replayed on its successes; If-Match where it is needed', () => {
    for (const route of documented.filter((r) => r.method === 'POST')) {
      const op = operationOf(route);
      expect(op.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`), route.operationId).toContain('header:idempotency-key');
      for (const [status, response] of Object.entries<any>(op.responses)) if (status.startsWith('2')) expect(response.headers?.['idempotent-replayed'], route.operationId).toBeDefined();
    }
    expect(operationOf(routes.patchChallenge).parameters.map((p: { name: string }) => p.name)).toContain('if-match');
    expect(operationOf(routes.createChallenge).responses['201'].headers).toMatchObject({ etag: expect.anything(), location: expect.anything() });
    expect(operationOf(routes.getChallenge).responses['200'].headers.etag).toBeDefined();
  });

  it('offers text/csv where the operation negotiates it', () => {
    for (const route of [routes.getStatement, routes.getMemberAccount]) {
      expect(Object.keys(operationOf(route).responses['200'].content)).toEqual(['application/json', 'text/csv']);
    }
  });

  it('has a description and a described tag for every operation, security [] on the public routes, contact and license', () => {
    const tags = new Map<string, string>(doc.tags.map((t: { name: string; description: string }) => [t.name, t.description]));
    for (const route of documented) {
      const op = operationOf(route);
      expect(op.description, route.operationId).toMatch(/\S/);
      expect(tags.get(route.tag), route.tag).toMatch(/\S/);
      expect(op.security, route.operationId).toEqual(route.auth ? [{ bearer: [] }] : []);
    }
    expect(doc.info.contact.name).toBeTruthy();
    expect(doc.info.license).toEqual({ name: 'MIT', identifier: 'MIT' });
  });

  it('gives every ULID its pattern, GSS codes theirs, and URLs format uri', () => {
    const strings: any[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        if ((node as any).type === 'string') strings.push(node);
        Object.values(node).forEach(walk);
      }
    };
    walk(doc);
    const ulids = strings.filter((s) => s.format === 'ulid');
    expect(ulids.length).toBeGreaterThan(50);
    for (const s of ulids) expect(s.pattern).toBe(ULID_PATTERN.source);
    expect(doc.components.schemas.Council.properties.code.pattern).toBe('^[EWSN]\\d{8}$');
    expect(doc.components.schemas.Subscription.properties.url.format).toBe('uri');
    expect(doc.components.schemas.SubscriptionCreate.properties.url.format).toBe('uri');
  });
});

describe('the examples (written from the story by npm run openapi:examples)', () => {
  const withJsonBody = documented.filter((r) => Object.values(r.responses).some((x) => x.schema && !x.contentType));
  it('cover every operation that answers JSON, and sit in the document', () => {
    expect(withJsonBody.filter((r) => !apiExamples[r.operationId]).map((r) => r.operationId)).toEqual([]);
    const cost = operationOf(routes.recordCost);
    expect(cost.requestBody.content['application/json'].example).toEqual(apiExamples.recordCost!.request);
    expect(cost.responses['201'].content['application/json'].example).toEqual(apiExamples.recordCost!.response![201]);
  });

  it.each(withJsonBody.map((r) => [r.operationId, r] as const))('%s: its request and response examples validate against its schemas', (_, route) => {
    const example = apiExamples[route.operationId]!;
    if (route.request?.body && example.request !== undefined) expect(route.request.body.safeParse(example.request).error).toBeUndefined();
    for (const [status, body] of Object.entries(example.response ?? {})) {
      const schema = route.responses[Number(status)]?.schema;
      expect(schema, `${route.operationId} ${status}`).toBeDefined();
      expect(schema!.safeParse(body).error).toBeUndefined();
    }
  });
});

describe('an answer the document does not declare', () => {
  const logger = new Logger({ logLevel: 'SILENT' });
  const answer = async (route: (typeof routeList)[number], error: unknown) => {
    const request: any = { error, response: undefined, context: { awsRequestId: 'req-1' } };
    await problemDetails(logger, route).onError!(request);
    return { status: request.response.statusCode as number, body: JSON.parse(request.response.body) };
  };

  it('is logged as an error by the function (and sent as it is); a declared one is not', async () => {
    const errors: unknown[][] = [];
    logger.error = (...args: unknown[]) => void errors.push(args);
    expect((await answer(routes.recordCost, refuse.conflict('agreement_required', 'No agreement'))).status).toBe(409);
    expect(errors).toEqual([]);
    expect((await answer(routes.recordCost, refuse.conflict('nothing_pending', 'Not this operation’s rule'))).status).toBe(409);
    expect(errors).toEqual([['Answer not declared for this operation in the OpenAPI document', { operationId: 'recordCost', status: 409, code: 'nothing_pending' }]]);
  });

  it('is a 500 naming it through the local hub under UNDECLARED_ANSWERS=fail, as in the tests', async () => {
    expect(process.env.UNDECLARED_ANSWERS).toBe('fail');
    const { undeclaredAnswer } = await import('../../infra/local/server');
    const problem = (status: number, code?: string) => ({ statusCode: status, headers: { 'content-type': 'application/problem+json' }, body: JSON.stringify({ status, title: 't', detail: 'why', ...(code ? { code } : {}) }) });
    expect(undeclaredAnswer(routes.recordCost, problem(409, 'agreement_required'))).toBeUndefined();
    const undeclared = undeclaredAnswer(routes.recordCost, problem(409, 'nothing_pending'))!;
    expect(undeclared.statusCode).toBe(500);
    expect(JSON.parse(undeclared.body as string).detail).toContain('"operationId":"recordCost","status":409,"code":"nothing_pending"');
    // 412 is an answer only where If-Match is taken.
    expect(undeclaredAnswer(routes.patchChallenge, problem(412))).toBeUndefined();
    expect(undeclaredAnswer(routes.recordCost, problem(412))!.statusCode).toBe(500);
    // Successes and non-problem bodies are not its business.
    expect(undeclaredAnswer(routes.recordCost, { statusCode: 201, body: '{}' })).toBeUndefined();
  });
});

describe('the document the hub serves (docs/openapi.json)', () => {
  it('is exactly what the code builds: run `npm run openapi:generate` when this fails', async () => {
    const { OPENAPI_PATH, openApiFileContent } = await import('../../infra/generate-openapi');
    const { readFile } = await import('node:fs/promises');
    expect(await readFile(OPENAPI_PATH, 'utf8')).toBe(openApiFileContent());
  });
});
