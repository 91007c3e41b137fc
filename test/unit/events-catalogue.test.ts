import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromFile, Parser } from '@asyncapi/parser';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { ASYNCAPI_PATH, buildCatalogue, REPO_ROOT, SAMPLES_DIR, SCHEMAS_DIR, schemaId } from '../../events/generate';
import { sampleEvents } from '../../events/sample-events';
import { GSS_CODE_PATTERN, ULID_PATTERN } from '../../shared/schemas/common';
import { EVENT_TYPES, eventEnvelope, eventSchemas, hubEvent, type EventType } from '../../shared/schemas/events';

const REGENERATE = 'The event catalogue is out of date: run `npm run events:generate` and commit the result';

const readJson = (path: string): unknown => JSON.parse(readFileSync(join(REPO_ROOT, path), 'utf8'));
const jsonFilesIn = (dir: string): string[] =>
  existsSync(join(REPO_ROOT, dir))
    ? readdirSync(join(REPO_ROOT, dir))
        .filter((name) => name.endsWith('.json'))
        .map((name) => `${dir}/${name}`)
    : [];
const committedSample = (type: EventType): Record<string, unknown> =>
  readJson(`${SAMPLES_DIR}/${type}.json`) as Record<string, unknown>;
const clone = <T>(value: T): T => structuredClone(value);

/** Every value in `value` (recursively) whose key satisfies `keyTest`. */
function valuesWhere(value: unknown, keyTest: (key: string) => boolean, out: [string, unknown][] = []): [string, unknown][] {
  if (Array.isArray(value)) for (const item of value) valuesWhere(item, keyTest, out);
  else if (typeof value === 'object' && value !== null) {
    for (const [key, child] of Object.entries(value)) {
      if (keyTest(key)) out.push([key, child]);
      valuesWhere(child, keyTest, out);
    }
  }
  return out;
}

describe('event catalogue files', () => {
  const expected = buildCatalogue();

  it('the committed files are exactly what buildCatalogue() generates', () => {
    const expectedPaths = new Set(expected.map((f) => f.path));
    const committedPaths = new Set([...jsonFilesIn(SCHEMAS_DIR), ...jsonFilesIn(SAMPLES_DIR)]);
    if (existsSync(join(REPO_ROOT, ASYNCAPI_PATH))) committedPaths.add(ASYNCAPI_PATH);

    const problems: string[] = [];
    for (const file of expected) {
      if (!committedPaths.has(file.path)) problems.push(`missing: ${file.path}`);
      else if (readFileSync(join(REPO_ROOT, file.path), 'utf8') !== file.content) problems.push(`differs: ${file.path}`);
    }
    for (const path of committedPaths) if (!expectedPaths.has(path)) problems.push(`extra: ${path}`);

    expect(problems, REGENERATE).toEqual([]);
  });

  it('generation is deterministic', () => {
    expect(buildCatalogue()).toEqual(expected);
  });

  it('writes JSON with a 2-space indent and a trailing newline', () => {
    for (const file of expected) {
      expect(file.content, file.path).toBe(`${JSON.stringify(JSON.parse(file.content), null, 2)}\n`);
    }
  });
});

describe('every event type is catalogued', () => {
  it('has 18 distinct types, each with a zod schema in eventSchemas and hubEvent', () => {
    expect(EVENT_TYPES).toHaveLength(18);
    expect(new Set(EVENT_TYPES).size).toBe(18);
    expect(Object.keys(eventSchemas).sort()).toEqual([...EVENT_TYPES].sort());
    expect(Object.keys(sampleEvents).sort()).toEqual([...EVENT_TYPES].sort());
    expect(hubEvent.def.options).toHaveLength(18);
  });

  it.each(EVENT_TYPES)('%s has a JSON Schema file (draft 2020-12, with $id and title)', (type) => {
    const schema = readJson(`${SCHEMAS_DIR}/${type}.json`) as Record<string, unknown>;
    expect(schema).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: schemaId(type),
      title: type,
      type: 'object',
      additionalProperties: false,
      properties: { type: { const: type }, version: { const: 1 } },
    });
    expect(schema.required).toEqual(['id', 'type', 'version', 'challengeId', 'seq', 'occurredAt', 'actor', 'audience', 'data']);
  });

  it.each(EVENT_TYPES)('%s has a sample that validates against its zod schema and the envelope rules', (type) => {
    const sample = committedSample(type);
    expect(eventSchemas[type].safeParse(sample).error).toBeUndefined();
    expect(hubEvent.parse(sample).type).toBe(type);
    expect(eventEnvelope.safeParse(sample).success).toBe(true);

    const event = eventSchemas[type].parse(sample);
    expect(event.type).toBe(type);
    expect(Number.isInteger(event.seq) && event.seq >= 1).toBe(true);
    expect(event.id).toMatch(ULID_PATTERN);
    expect(event.challengeId).toMatch(ULID_PATTERN);
    expect(event.occurredAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    expect(event.actor.council).toMatch(GSS_CODE_PATTERN);
    expect(event.audience.length).toBeGreaterThan(0);
    for (const code of event.audience) expect(code).toMatch(GSS_CODE_PATTERN);

    for (const [key, value] of valuesWhere(event.data, (k) => k === 'council' || k === 'leadCouncil')) {
      expect(value, key).toMatch(GSS_CODE_PATTERN);
    }
    for (const [key, value] of valuesWhere(event.data, (k) => k.endsWith('Pence') || k.endsWith('Bps'))) {
      expect(Number.isInteger(value), `${key} is an integer`).toBe(true);
    }
  });

  it('samples of one challenge keep distinct ids and seqs', () => {
    const events = EVENT_TYPES.map(committedSample);
    expect(new Set(events.map((e) => e.id)).size).toBe(EVENT_TYPES.length);
    expect(new Set(events.map((e) => e.seq)).size).toBe(EVENT_TYPES.length);
    expect(new Set(events.map((e) => e.challengeId)).size).toBe(1);
  });

  it('the AsyncAPI document is 3.0.0 and references every schema file that exists', () => {
    const doc = readJson(ASYNCAPI_PATH) as { asyncapi: string; channels: Record<string, unknown> };
    expect(doc.asyncapi).toBe('3.0.0');
    expect(Object.keys(doc.channels).sort()).toEqual(['eventBus', 'eventFeed', 'webhook']);
    const refs = new Set(valuesWhere(doc, (k) => k === '$ref').map(([, v]) => String(v)));
    for (const type of EVENT_TYPES) expect(refs.has(`./schemas/${type}.json`), type).toBe(true);
    for (const target of refs) {
      if (target.startsWith('./')) expect(existsSync(join(REPO_ROOT, 'events', target)), target).toBe(true);
    }
  });
});

describe('event schemas reject what the contract forbids', () => {
  const commitment = () => clone(sampleEvents.CommitmentRecorded);

  it('a float amountPence', () => {
    const event = commitment();
    event.data.amountPence = 6_000_000.5;
    expect(eventSchemas.CommitmentRecorded.safeParse(event).success).toBe(false);
    expect(hubEvent.safeParse(event).success).toBe(false);
  });

  it('a bad GSS code in the audience, the actor or the data', () => {
    const inAudience = commitment();
    inAudience.audience = ['E0800002'];
    const inActor = commitment();
    inActor.actor.council = 'X08000025';
    const inData = commitment();
    inData.data.council = 'e08000026';
    for (const event of [inAudience, inActor, inData]) expect(hubEvent.safeParse(event).success).toBe(false);
  });

  it('a seq below 1, a non-UTC time, a lower-case or short ULID, an unknown version', () => {
    const bad = [
      { ...commitment(), seq: 0 },
      { ...commitment(), seq: 1.5 },
      { ...commitment(), occurredAt: '2026-02-23T11:18:02.735+01:00' },
      { ...commitment(), occurredAt: '23/02/2026 11:18' },
      { ...commitment(), id: commitment().id.toLowerCase() },
      { ...commitment(), challengeId: '01KERRNBKGWZWH4DWHFKQEBAD' },
      { ...commitment(), version: 2 },
    ];
    for (const event of bad) expect(hubEvent.safeParse(event).success, JSON.stringify(event)).toBe(false);
  });

  it('an unknown type, an empty or duplicated audience, and undocumented fields', () => {
    const unknownType = { ...commitment(), type: 'CommitmentChanged' };
    const emptyAudience = { ...commitment(), audience: [] };
    const duplicated = { ...commitment(), audience: ['E08000025', 'E08000025'] };
    const extraEnvelopeField = { ...commitment(), secret: 'x' };
    const extraDataField = commitment() as { data: Record<string, unknown> };
    extraDataField.data.pledgedPence = 1;
    for (const event of [unknownType, emptyAudience, duplicated, extraEnvelopeField, extraDataField]) {
      expect(hubEvent.safeParse(event).success, JSON.stringify(event)).toBe(false);
    }
  });

  it('money signs: a zero commitment, a negative pledge, a positive reversal', () => {
    const zeroCommitment = commitment();
    zeroCommitment.data.amountPence = 0;
    const negativePledge = clone(sampleEvents.PledgeSet);
    negativePledge.data.amountPence = -1;
    const positiveReversal = clone(sampleEvents.CostReversed);
    positiveReversal.data.amountPence = 3_750_000;
    for (const event of [zeroCommitment, negativePledge, positiveReversal]) expect(hubEvent.safeParse(event).success).toBe(false);
  });

  it('allocations that do not sum exactly to the amount', () => {
    const cost = clone(sampleEvents.CostRecorded);
    cost.data.allocations[0]!.costPence += 1;
    expect(eventSchemas.CostRecorded.safeParse(cost).success).toBe(false);
    const reversal = clone(sampleEvents.CostReversed);
    reversal.data.allocations[2]!.riskPence = -1;
    expect(eventSchemas.CostReversed.safeParse(reversal).success).toBe(false);
  });

  it('shares whose columns do not sum to 10000, or that name a council twice', () => {
    const uneven = clone(sampleEvents.ShareAgreementProposed);
    uneven.data.shares[0]!.riskBps = 5454;
    const twice = clone(sampleEvents.ShareAgreementProposed);
    twice.data.shares = [
      { council: 'E08000025', costBps: 5000, riskBps: 5000 },
      { council: 'E08000025', costBps: 5000, riskBps: 5000 },
    ];
    for (const event of [uneven, twice]) expect(eventSchemas.ShareAgreementProposed.safeParse(event).success).toBe(false);
  });

  it('a stage change or lead transfer to the same value', () => {
    const stage = clone(sampleEvents.ChallengeStageChanged);
    stage.data.to = stage.data.from;
    const lead = clone(sampleEvents.LeadTransferred);
    lead.data.to = lead.data.from;
    expect(hubEvent.safeParse(stage).success).toBe(false);
    expect(hubEvent.safeParse(lead).success).toBe(false);
  });
});

/**
 * The catalogue as an outsider's tools read it. ajv in strict mode (its default) refuses
 * unknown keywords and formats: `ulid` is the hub's own format (the `pattern` beside it says
 * the same), so a consumer registers it, as here; ajv-formats brings the standard ones.
 */
const ULID_FORMAT = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;
const DIALECT_2020_12 = 'https://json-schema.org/draft/2020-12/schema';

function strictAjv(options: { ulid?: boolean } = {}): Ajv2020 {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  if (options.ulid ?? true) ajv.addFormat('ulid', ULID_FORMAT);
  return ajv;
}

/** Every event schema added by its `$id`; refs from asyncapi.json (`./schemas/<Type>.json`) rewritten to that id. */
function catalogueAjv(): Ajv2020 {
  const ajv = strictAjv();
  for (const type of EVENT_TYPES) ajv.addSchema(readJson(`${SCHEMAS_DIR}/${type}.json`) as object);
  return ajv;
}
function withSchemaIds(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withSchemaIds);
  if (typeof schema !== 'object' || schema === null) return schema;
  return Object.fromEntries(
    Object.entries(schema).map(([key, value]) => {
      const file = key === '$ref' && typeof value === 'string' ? /^\.\/schemas\/(\w+)\.json$/.exec(value) : null;
      return [key, file ? schemaId(file[1] as EventType) : withSchemaIds(value)];
    }),
  );
}

describe('event schemas under ajv strict (draft 2020-12)', () => {
  it('registers ulid as the pattern the schemas carry beside it', () => {
    expect(ULID_FORMAT.source).toBe(ULID_PATTERN.source);
    expect(readFileSync(join(REPO_ROOT, ASYNCAPI_PATH), 'utf8')).toContain("addFormat('ulid', pattern)");
  });

  it('every schema file declares draft 2020-12, the dialect Ajv2020 implements', () => {
    for (const path of jsonFilesIn(SCHEMAS_DIR)) expect((readJson(path) as { $schema?: string }).$schema, path).toBe(DIALECT_2020_12);
  });

  it.each(EVENT_TYPES)('%s compiles in strict mode with the ulid format registered, and its sample validates', (type) => {
    const validate = strictAjv().compile(readJson(`${SCHEMAS_DIR}/${type}.json`) as object);
    expect(validate(committedSample(type)), JSON.stringify(validate.errors)).toBe(true);
  });

  it('does not compile without the ulid format: strict mode refuses an unknown format (why consumers register it)', () => {
    expect(() => strictAjv({ ulid: false }).compile(readJson(`${SCHEMAS_DIR}/CostRecorded.json`) as object)).toThrow(/unknown format "ulid"/);
  });

  it('the JSON Schemas refuse what the zod schemas refuse, where JSON Schema can say it', () => {
    const ajv = catalogueAjv();
    const commitment = () => clone(sampleEvents.CommitmentRecorded) as Record<string, any>;
    const validate = ajv.getSchema(schemaId('CommitmentRecorded'))!;
    const bad: Array<[string, Record<string, any>]> = [
      ['float pence', { ...commitment(), data: { ...commitment().data, amountPence: 6_000_000.5 } }],
      ['bad GSS code', { ...commitment(), audience: ['E0800002'] }],
      ['lower-case ULID', { ...commitment(), id: commitment().id.toLowerCase() }],
      ['short ULID', { ...commitment(), challengeId: '01KERRNBKGWZWH4DWHFKQEBAD' }],
      ['non-UTC time', { ...commitment(), occurredAt: '2026-02-23T11:18:02.735+01:00' }],
      ['seq 0', { ...commitment(), seq: 0 }],
      ['unknown version', { ...commitment(), version: 2 }],
      ['duplicated audience', { ...commitment(), audience: ['E08000025', 'E08000025'] }],
      ['undocumented field', { ...commitment(), secret: 'x' }],
    ];
    for (const [why, event] of bad) {
      expect(hubEvent.safeParse(event).success, `zod: ${why}`).toBe(false);
      expect(validate(event), `ajv: ${why}`).toBe(false);
    }
  });

  it('every example in asyncapi.json validates against its message payload (the AsyncAPI parser does not check JSON Schema 2020-12 payloads)', () => {
    const ajv = catalogueAjv();
    const doc = readJson(ASYNCAPI_PATH) as {
      components: { messages: Record<string, { payload?: { schema: object }; examples?: Array<{ payload?: unknown }> }> };
    };
    let checked = 0;
    for (const [name, message] of Object.entries(doc.components.messages)) {
      if (!message.payload) continue;
      const validate = ajv.compile(withSchemaIds(message.payload.schema) as object);
      expect(message.examples?.length, name).toBeGreaterThan(0);
      for (const example of message.examples ?? []) {
        expect(validate(example.payload), `${name}: ${JSON.stringify(validate.errors)}`).toBe(true);
        checked += 1;
      }
    }
    expect(checked).toBe(2 * EVENT_TYPES.length + 1);
  });
});

describe('asyncapi.json under @asyncapi/parser', () => {
  /**
   * The parser's diagnostics carry Spectral's severities: 0 error, 1 warning, 2 information,
   * 3 hint. "Clean" is nothing more severe than information. Today the one diagnostic is
   * `asyncapi-latest-version` (information: 3.1.0 exists; 3.0.0 is kept for the tools that
   * read only 3.0).
   */
  const INFORMATION = 2;

  it('parses from the file (relative $refs to ./schemas resolved) with no diagnostic above information', async () => {
    const { document, diagnostics } = await fromFile(new Parser(), join(REPO_ROOT, ASYNCAPI_PATH)).parse();
    const serious = diagnostics
      .filter((d) => d.severity < INFORMATION)
      .map((d) => `${d.severity} ${d.code} ${d.message} at ${d.path.join('.')}`);
    expect(serious).toEqual([]);
    expect(document).toBeDefined();
    expect(document!.version()).toBe('3.0.0');
    expect(document!.channels().all().map((c) => c.id()).sort()).toEqual(['eventBus', 'eventFeed', 'webhook']);
    expect(document!.operations().all().map((o) => o.id()).sort()).toEqual(['deliverWebhook', 'publishEvent', 'readEventFeed']);
    expect(document!.messages().all().length).toBeGreaterThanOrEqual(2 * EVENT_TYPES.length + 2);
  }, 30_000);

  it('would report a broken document (so the test above can fail)', async () => {
    const doc = readJson(ASYNCAPI_PATH) as { operations: Record<string, { channel: { $ref: string } }> };
    doc.operations.publishEvent!.channel = { $ref: '#/channels/nowhere' };
    const { diagnostics } = await new Parser().parse(JSON.stringify(doc), { source: join(REPO_ROOT, ASYNCAPI_PATH) });
    expect(diagnostics.filter((d) => d.severity < INFORMATION).length).toBeGreaterThan(0);
  }, 30_000);
});
