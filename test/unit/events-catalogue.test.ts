import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
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
    expect(hubEvent.options).toHaveLength(18);
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
