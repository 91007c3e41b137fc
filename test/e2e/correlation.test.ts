/**
 * One cost followed from its HTTP request to its webhook delivery by the correlation id
 * in the logs (docs/events.md, "Following one request"): the API request's id (the
 * `apigw-requestid` the hub answers with) is on the request's own line, the publisher's
 * line for the CostRecorded event, the dispatcher's and the deliverer's.
 *
 * The hub runs in this process (test/support/hub.ts), so its log lines are captured
 * where Powertools Logger writes them, on stdout, as the JSON an operator would search;
 * a child `npm start` would show the same lines but start a second DynamoDB Local
 * (a Java process) on a shared two-core machine for no extra evidence.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
// Made before the hub starts (and sets POWERTOOLS_DEV), so the logger is as in Lambda: one JSON object per line on stdout.
import '../../shared/observability';
import { COUNCILS, registerCouncils } from '../support/councils';
import { startTestHub, type TestHub } from '../support/hub';
import { agreeShares, Callers, expectStatus, formConsortium } from '../support/money';
import { eventually, WebhookReceiver } from '../support/webhook-receiver';

// INFO, as deployed (infra/constructs/hub-function.ts), from the start: the logger returns to its initial level at each invocation.
vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
});

type LogLine = { level: string; message: string; service: string; [key: string]: unknown };

const { birmingham, coventry } = COUNCILS;
const lines: LogLine[] = [];
let hub: TestHub;
let receiver: WebhookReceiver;
let callers: Callers;
let challengeId: string;
let subscriptionId: string;
/** What the first test followed, for the replay that re-sends it. */
let followed: { eventId: string; correlationId: string } | undefined;

function logLine(text: string): LogLine | undefined {
  if (!text.startsWith('{')) return undefined;
  try {
    const parsed = JSON.parse(text) as LogLine;
    return parsed.service === 'council-hub' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

beforeAll(async () => {
  // The hub's lines, kept (and kept off the test output); anything else is written as usual.
  const write = process.stdout.write.bind(process.stdout);
  vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: string | Uint8Array, ...rest: never[]) => {
    const line = logLine(String(chunk));
    if (!line) return write(chunk, ...rest);
    lines.push(line);
    return true;
  }) as typeof process.stdout.write);

  receiver = await new WebhookReceiver().start();
  hub = await startTestHub();
  callers = new Callers(hub);
  await registerCouncils(hub, [birmingham, coventry]);
  challengeId = await formConsortium(hub, callers, birmingham.code, [coventry.code], 'Followed by its correlation id');
  await agreeShares(hub, callers, challengeId, birmingham.code, [birmingham.code, coventry.code], { basis: 'equal' });
  const created = await expectStatus(
    await hub.call('POST', '/v1/subscriptions', {
      token: await callers.officer(coventry.code),
      body: { url: `${receiver.url}/coventry`, eventTypes: ['CostRecorded'] },
    }),
    201,
    'subscribe',
  );
  subscriptionId = created.body.id;
  receiver.secrets('/coventry', [created.body.secret]);
});
afterAll(async () => {
  await hub?.stop();
  await receiver?.stop();
  vi.restoreAllMocks();
});

describe('one correlation id from the request to the webhook', () => {
  it('is on the cost request, the publisher, the dispatcher and the deliverer lines of its event', async () => {
    const cost = await expectStatus(
      await hub.call('POST', `/v1/challenges/${challengeId}/costs`, {
        token: await callers.finance(birmingham.code),
        body: { amountPence: 12_345, description: 'Fleet telematics licences' },
      }),
      201,
      'record cost',
    );
    const correlationId = cost.headers.get('apigw-requestid');
    expect(correlationId).toBeTruthy();

    await eventually(() => receiver.accepted('/coventry').some((e) => e.challengeId === challengeId), 'the CostRecorded delivery');
    const event = receiver.accepted('/coventry').find((e) => e.challengeId === challengeId)!;
    expect(event.type).toBe('CostRecorded');
    const delivered = () =>
      lines.find((l) => l.message === 'Delivery attempt' && l.eventId === event.id && l.subscriptionId === subscriptionId && l.outcome === 'delivered');
    await eventually(() => delivered() !== undefined, "the deliverer's line");

    // The request's own line: its route, its answer, its id.
    const request = lines.filter((l) => l.message === 'Request answered' && l.correlationId === correlationId);
    expect(request).toEqual([expect.objectContaining({ route: 'POST /v1/challenges/{id}/costs', statusCode: 201 })]);
    // The publisher read the id off the event item the request wrote.
    expect(lines.filter((l) => l.message === 'Event published' && l.eventId === event.id)).toEqual([
      expect.objectContaining({ type: 'CostRecorded', challengeId, seq: event.seq, correlationId }),
    ]);
    // The dispatcher read it back from the table (the bus event carries only the public event).
    expect(lines.filter((l) => l.message === 'Event dispatched' && l.eventId === event.id)).toEqual([
      expect.objectContaining({ subscriptions: 1, correlationId }),
    ]);
    // The deliverer has it from the delivery message.
    expect(delivered()).toMatchObject({ correlationId, attempt: 1, statusCode: 204 });

    // Every line about the event carries the same id; and the id leads to this event only.
    const aboutEvent = lines.filter((l) => l.eventId === event.id);
    expect(aboutEvent.length).toBeGreaterThanOrEqual(3);
    for (const line of aboutEvent) expect(line.correlationId, line.message).toBe(correlationId);
    const eventIds = new Set(lines.filter((l) => l.correlationId === correlationId && l.eventId).map((l) => l.eventId));
    expect([...eventIds]).toEqual([event.id]);
    followed = { eventId: event.id, correlationId: correlationId! };
  });

  it("a replayed delivery carries the replay request's id, and the original write's", async () => {
    expect(followed, 'the first test followed a cost').toBeDefined();
    const replay = await expectStatus(
      await hub.call('POST', `/v1/subscriptions/${subscriptionId}/replay`, { token: await callers.officer(coventry.code), body: { challengeId } }),
      202,
      'replay',
    );
    const replayCorrelationId = replay.headers.get('apigw-requestid');
    expect(replayCorrelationId).toBeTruthy();
    const replayed = () => lines.find((l) => l.message === 'Delivery attempt' && l.replayId === replay.body.replayId && l.eventId === followed!.eventId);
    await eventually(() => replayed() !== undefined, "the replayed delivery's line");
    expect(replayed()).toMatchObject({ outcome: 'delivered', correlationId: replayCorrelationId, originalCorrelationId: followed!.correlationId });
    expect(lines.filter((l) => l.message === 'Replay queued' && l.correlationId === replayCorrelationId)).toEqual([
      expect.objectContaining({ subscriptionId, replayId: replay.body.replayId, events: 1 }),
    ]);
  });
});
