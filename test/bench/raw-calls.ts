/**
 * The raw DynamoDB calls an API operation makes, and the same calls issued again
 * with the SDK alone: the yardstick of the warm-latency and contention benches.
 *
 * A middleware on the store's client (shared/store/client.ts: the handlers and the
 * Powertools idempotency layer use it) records each call's command and its marshalled
 * input (at the build step, after lib-dynamodb has marshalled it). Calls of the local
 * fan-out running in the background (subscription lookups) are left out, as the
 * tests' call counter does. Replayed with a plain DynamoDBClient (no middleware),
 * one after another, as the handler makes them.
 *
 * A replayed write must be a new write, not a copy that fails its conditions: a cost's
 * TransactWriteItems is re-keyed (a new entry id, the next event seq, a new write
 * marker) and conditioned on the seq the replayed state Query just read. Its member
 * items are put again as captured, so a yardstick challenge's figures stop moving
 * (use a challenge of its own for it).
 */
import * as ddb from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import { ulid } from 'ulid';

export interface RawCall {
  command: string;
  input: Record<string, any>;
}

export interface TransactionCounts {
  committed: number;
  cancelled: number;
}

let instrumented: ReturnType<typeof instrument> | undefined;

/** Installed once on the store's client (load it after the hub started): call capture and TransactWriteItems outcomes. */
export const instrumentStoreClient = () => (instrumented ??= instrument());

async function instrument() {
  const { dynamodb } = await import('../../shared/store/client');
  let capturing: RawCall[] | undefined;
  const transactions: TransactionCounts = { committed: 0, cancelled: 0 };
  /** Time spent in each command (send to answer, SDK retries included), the fan-out's subscription reads left out. */
  const timing = new Map<string, { calls: number; ms: number }>();
  // Off unless a bench asks (the contention bench's breakdown): the latency bench times the handler's calls
  // against raw calls that carry no such middleware, so the handler's must carry none either.
  let timed = false;
  dynamodb.middlewareStack.add(
    (next, context) => async (args) => {
      if (!timed) return next(args);
      const t = performance.now();
      try {
        return await next(args);
      } finally {
        if (!JSON.stringify((args as { input?: unknown }).input ?? {}).includes('SUBSCRIPTION')) {
          const name = String(context.commandName).replace(/Command$/, '');
          const entry = timing.get(name) ?? { calls: 0, ms: 0 };
          entry.calls++;
          entry.ms += performance.now() - t;
          timing.set(name, entry);
        }
      }
    },
    { step: 'initialize', priority: 'high', name: 'benchCallTiming', override: true },
  );
  dynamodb.middlewareStack.add(
    (next, context) => async (args) => {
      const input = (args as { input?: Record<string, any> }).input ?? {};
      if (capturing && !JSON.stringify(input).includes('SUBSCRIPTION')) capturing.push({ command: String(context.commandName), input: structuredClone(input) });
      return next(args);
    },
    { step: 'build', name: 'benchCaptureCalls', override: true },
  );
  dynamodb.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'TransactWriteItemsCommand') return next(args);
      try {
        const out = await next(args);
        transactions.committed++;
        return out;
      } catch (error) {
        if ((error as Error).name === 'TransactionCanceledException') transactions.cancelled++;
        throw error;
      }
    },
    { step: 'deserialize', priority: 'high', name: 'benchTransactionOutcomes', override: true },
  );
  return {
    transactions,
    timing,
    /** Whether `timing` is kept (each call's input is looked at, and timed): off until asked. */
    timeCalls(on: boolean) {
      timed = on;
    },
    /** The calls `work` makes (run it alone: anything else in flight would be recorded too). */
    async capture(work: () => Promise<unknown>): Promise<RawCall[]> {
      const calls: RawCall[] = [];
      capturing = calls;
      try {
        await work();
      } finally {
        capturing = undefined;
      }
      return calls;
    },
  };
}

export function rawClient(endpoint: string): ddb.DynamoDBClient {
  return new ddb.DynamoDBClient({ endpoint, maxAttempts: 4 });
}

const pad = (n: number) => String(n).padStart(10, '0');

/** A cost transaction as a new write after `seq`: new entry and event keys (seq + 1...), a new marker. */
function rekeyed(input: Record<string, any>, seq: number): Record<string, any> {
  const ops = input.TransactItems as any[];
  const events = ops.filter((op) => op.Put?.Item?.kind?.S === 'event').length;
  const entryId = ulid();
  let eventSeq = seq;
  const TransactItems = ops.map((op) => {
    if (!op.Put) return op;
    const Item = { ...op.Put.Item };
    const kind = Item.kind?.S;
    const put = { ...op.Put, Item };
    if (kind === 'challenge' && put.ExpressionAttributeValues?.[':seq']) {
      Item.seq = { N: String(seq + events) };
      put.ExpressionAttributeValues = { ...put.ExpressionAttributeValues, ':seq': { N: String(seq) } };
    } else if (kind === 'entry') {
      Object.assign(Item, { SK: { S: `ENTRY#${entryId}` }, id: { S: entryId }, seq: { N: String(seq + 1) } });
    } else if (kind === 'event') {
      eventSeq++;
      Item.SK = { S: `EVENT#${pad(eventSeq)}` };
      const event = Item.event?.M;
      if (event) {
        const data = event.data?.M?.entryId ? { data: { M: { ...event.data.M, entryId: { S: entryId } } } } : {};
        Item.event = { M: { ...event, seq: { N: String(eventSeq) }, id: { S: ulid() }, ...data } };
      }
    } else if (kind === 'write-marker') {
      const writeId = randomUUID();
      Object.assign(Item, { PK: { S: `WRITE#${writeId}` }, writeId: { S: writeId } });
    }
    return { Put: put };
  });
  return { ...input, TransactItems };
}

/**
 * Replays `calls` in order. A Query that reads a challenge's state gives the seq the
 * next TransactWriteItems is re-keyed after; a call failing on its condition (a
 * replayed idempotency lock) counts as made, as it did for the handler.
 */
export async function replay(client: ddb.DynamoDBClient, calls: readonly RawCall[], timing?: Map<string, { calls: number; ms: number }>): Promise<void> {
  let seq: number | undefined;
  for (const { command, input } of calls) {
    const Command = (ddb as unknown as Record<string, new (input: unknown) => any>)[command];
    if (!Command) throw new Error(`no SDK command ${command}`);
    const sent = command === 'TransactWriteItemsCommand' && seq !== undefined ? rekeyed(input, seq) : input;
    const t = performance.now();
    try {
      const out = (await client.send(new Command(sent))) as { Items?: unknown };
      const challenge = (out.Items as Array<Record<string, any>> | undefined)?.find((i) => i.kind?.S === 'challenge');
      if (challenge?.seq?.N) seq = Number(challenge.seq.N);
    } catch (error) {
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
    } finally {
      const name = command.replace(/Command$/, '');
      const entry = timing?.get(name) ?? { calls: 0, ms: 0 };
      entry.calls++;
      entry.ms += performance.now() - t;
      timing?.set(name, entry);
    }
  }
}
