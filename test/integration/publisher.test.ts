/**
 * The outbox publisher against a stand-in EventBridge (aws-sdk-client-mock: DynamoDB
 * Local can write the stream, but only a mock can make PutEvents fail on cue).
 * First the Lambda handler alone, then the whole path from DynamoDB Local's real stream
 * through the local stream poller (the model of Lambda's event source mapping).
 */
import { randomUUID } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { outboxStreamFilter } from '../../events/rules';
import { sampleEvents } from '../../events/sample-events';
import { LOCAL_AWS_ENV, localClient } from '../../infra/local/dynamodb-local';
import { LocalQueue } from '../../infra/local/local-queue';
import { StreamPoller } from '../../infra/local/stream-poller';
import { ensureTable } from '../../infra/local/table';
import type { PublisherHandler } from '../../shared/fanout/publisher';
import { publisherStreamSettings } from '../../shared/fanout/stream-settings';
import { keys, KIND } from '../../shared/store/keys';
import type { HubEvent } from '../../shared/schemas/events';

const eventBridge = mockClient(EventBridgeClient);
let handler: PublisherHandler;

beforeAll(async () => {
  // The handler module reads its configuration when it loads, as in Lambda.
  Object.assign(process.env, LOCAL_AWS_ENV, { EVENT_BUS_NAME: 'council-hub' });
  ({ handler } = await import('../../functions/publisher'));
});
beforeEach(() => eventBridge.reset());

/** PutEvents answers: every entry accepted unless `fails` says otherwise. */
function answerPutEvents(fails: (entry: PutEventsRequestEntry, call: number) => boolean = () => false) {
  let call = 0;
  eventBridge.on(PutEventsCommand).callsFake(({ Entries = [] }: { Entries?: PutEventsRequestEntry[] }) => {
    call++;
    const answers = Entries.map((entry) =>
      fails(entry, call) ? { ErrorCode: 'InternalFailure', ErrorMessage: 'Try again' } : { EventId: randomUUID() },
    );
    return { FailedEntryCount: answers.filter((a) => 'ErrorCode' in a).length, Entries: answers };
  });
}

const putCalls = () => eventBridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries ?? []);
const publishedIds = () => putCalls().flat().map((e) => (JSON.parse(e.Detail!) as HubEvent).id);

let sequence = 1000;
/** A stream record of an event item, as Lambda delivers it. */
function streamRecord(item: Record<string, unknown>): DynamoDBRecord {
  const SequenceNumber = String(++sequence);
  return {
    eventID: randomUUID(),
    eventName: 'INSERT',
    eventSource: 'aws:dynamodb',
    dynamodb: { SequenceNumber, NewImage: marshall(item, { removeUndefinedValues: true }) as never, StreamViewType: 'NEW_IMAGE' },
  };
}
const eventItem = (event: HubEvent) => ({ ...keys.event(event.challengeId, event.seq), kind: KIND.event, event });
const withId = <T extends HubEvent>(event: T, seq: number): T => ({ ...structuredClone(event), id: `01KF${String(seq).padStart(22, '0')}`, seq });
const events = [withId(sampleEvents.ChallengeCreated, 1), withId(sampleEvents.MemberInvited, 2), withId(sampleEvents.MemberJoined, 3)];
const poisonItem = { PK: 'CHALLENGE#X', SK: 'EVENT#0000000004', kind: KIND.event, event: { id: 'not-an-event', type: 'Nonsense' } };

describe('the publisher handler', () => {
  it('puts each event on the bus: source council-hub, detail-type = type, detail = the event', async () => {
    answerPutEvents();
    const result = await handler({ Records: events.map((e) => streamRecord(eventItem(e))) });
    expect(result.batchItemFailures).toEqual([]);
    const [entries] = putCalls();
    expect(entries).toHaveLength(3);
    expect(entries![1]).toMatchObject({ EventBusName: 'council-hub', Source: 'council-hub', DetailType: 'MemberInvited' });
    expect(JSON.parse(entries![1]!.Detail!)).toEqual(events[1]);
  });

  it('sends again exactly the entries a partial PutEvents failure names', async () => {
    answerPutEvents((entry, call) => call === 1 && entry.DetailType === 'MemberInvited');
    const result = await handler({ Records: events.map((e) => streamRecord(eventItem(e))) });
    expect(result.batchItemFailures).toEqual([]);
    const calls = putCalls();
    expect(calls).toHaveLength(2);
    expect(calls[0]).toHaveLength(3);
    expect(calls[1]!.map((e) => e.DetailType)).toEqual(['MemberInvited']);
    expect(new Set(publishedIds())).toEqual(new Set(events.map((e) => e.id)));
  });

  it('retries a call that fails outright (e.g. throttled after the SDK gave up)', async () => {
    let calls = 0;
    eventBridge.on(PutEventsCommand).callsFake(({ Entries = [] }: { Entries?: PutEventsRequestEntry[] }) => {
      if (++calls === 1) throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      return { FailedEntryCount: 0, Entries: Entries.map(() => ({ EventId: randomUUID() })) };
    });
    const result = await handler({ Records: events.map((e) => streamRecord(eventItem(e))) });
    expect(result.batchItemFailures).toEqual([]);
    expect(putCalls()).toHaveLength(2);
  });

  it('reports a poison record as a batch item failure while the rest publish', async () => {
    answerPutEvents();
    const poison = streamRecord(poisonItem);
    const records = [streamRecord(eventItem(events[0]!)), poison, streamRecord(eventItem(events[1]!)), streamRecord(eventItem(events[2]!))];
    const result = await handler({ Records: records });
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: poison.dynamodb!.SequenceNumber }]);
    expect(publishedIds()).toEqual(events.map((e) => e.id));
  });

  it('gives up on an entry that keeps failing after 4 sends, and only on that one', async () => {
    answerPutEvents((entry) => entry.DetailType === 'MemberJoined');
    const records = events.map((e) => streamRecord(eventItem(e)));
    const result = await handler({ Records: records });
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: records[2]!.dynamodb!.SequenceNumber }]);
    expect(putCalls().map((entries) => entries.length)).toEqual([3, 1, 1, 1]);
  });

  it('publishes more than ten events in calls of at most ten', async () => {
    answerPutEvents();
    const many = Array.from({ length: 23 }, (_, i) => withId(sampleEvents.PledgeSet, 100 + i));
    const result = await handler({ Records: many.map((e) => streamRecord(eventItem(e))) });
    expect(result.batchItemFailures).toEqual([]);
    expect(putCalls().map((entries) => entries.length)).toEqual([10, 10, 3]);
  });

  it('fails the whole invocation only when every record failed (Lambda then bisects)', async () => {
    answerPutEvents();
    await expect(handler({ Records: [streamRecord(poisonItem)] } satisfies DynamoDBStreamEvent)).rejects.toThrow(/All records failed/);
  });
});

describe('from the real stream, through the local event source mapping', () => {
  const tableName = `publisher-${randomUUID().slice(0, 8)}`;
  const dynamodb = localClient(inject('dynamodbEndpoint'));
  const dlq = new LocalQueue({ name: 'publisher-dlq' });
  let poller: StreamPoller;

  beforeAll(async () => {
    await ensureTable(dynamodb, tableName);
    poller = new StreamPoller({
      dynamodb,
      endpoint: inject('dynamodbEndpoint'),
      tableName,
      handler: (event, context) => handler(event, context),
      onFailure: dlq,
      filter: outboxStreamFilter,
      ...publisherStreamSettings,
      pollIntervalMs: 20,
      retryBackoffMs: () => 20,
    });
    await poller.start();
  });
  afterAll(async () => {
    await poller?.stop();
    dynamodb.destroy();
  });

  const put = (item: Record<string, unknown>) =>
    dynamodb.send(new PutItemCommand({ TableName: tableName, Item: marshall(item, { removeUndefinedValues: true }) }));

  async function until(condition: () => boolean, what: string, timeoutMs = 15_000) {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  it('a poison record goes to the DLQ, the records around it and after it are published, a failed entry is retried', async () => {
    // The second event's first PutEvents entry fails: it must still arrive.
    const flaky = new Set<string>();
    answerPutEvents((entry) => {
      const id = (JSON.parse(entry.Detail!) as HubEvent).id;
      if (id !== events[1]!.id || flaky.has(id)) return false;
      flaky.add(id);
      return true;
    });

    await put(eventItem(events[0]!));
    await put({ ...keys.challenge('X'), kind: KIND.challenge, title: 'not an event: filtered out' });
    await put(poisonItem);
    await put(eventItem(events[1]!));
    await put(eventItem(events[2]!));

    await until(() => dlq.messages().length === 1, 'the poison record in the DLQ');
    await until(() => events.every((e) => publishedIds().includes(e.id)), 'every good event on the bus');

    const [failure] = dlq.messages().map((m) => JSON.parse(m.body));
    expect(failure.requestContext.condition).toBe('RetryAttemptsExhausted');
    expect(failure.requestContext.approximateInvokeCount).toBe(publisherStreamSettings.retryAttempts + 1);
    expect(failure.DDBStreamBatchInfo).toMatchObject({ batchSize: 1, streamArn: expect.stringContaining(tableName) });
    expect(failure.DDBStreamBatchInfo.startSequenceNumber).toBe(failure.DDBStreamBatchInfo.endSequenceNumber);
    // Only events reach the bus: the challenge item was filtered out, the poison never published.
    expect(publishedIds().every((id) => events.some((e) => e.id === id))).toBe(true);

    // The shard is not blocked: what is written next is published too.
    const later = withId(sampleEvents.ChallengeStageChanged, 5);
    await put(eventItem(later));
    await until(() => publishedIds().includes(later.id), 'the next event on the bus');
    expect(dlq.messages()).toHaveLength(1);
    expect(poller.stats.recordsDeadLettered).toBe(1);
  });
});
