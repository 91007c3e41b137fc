/**
 * The local hub's queue with a directory (infra/local/local-queue.ts): a message is on
 * disk before `send` resolves, stays there until consumed, and a new queue over the same
 * directory (the next `npm start`) resumes it at the time it was due, not before.
 */
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { LocalQueue } from '../../infra/local/local-queue';

const files = async (dir: string) => (await readdir(dir)).filter((f) => f.endsWith('.json'));
const until = async (check: () => boolean, ms = 3000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('a local queue kept in a directory', () => {
  it('keeps what was sent until it is consumed, and a restart resumes it at its due time', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'queue-'));
    // The first "process": no consumer runs (it is killed before the messages are due).
    const first = new LocalQueue({ name: 'delivery', dir });
    await first.send([{ body: 'now' }, { body: 'later', delayMs: 400 }]);
    expect(await files(dir)).toHaveLength(2);
    await first.stop();

    const sentAt = Date.now();
    const got: Array<{ body: string; at: number }> = [];
    const second = new LocalQueue({
      name: 'delivery',
      dir,
      handler: async (event: SQSEvent) => {
        for (const r of event.Records) got.push({ body: r.body, at: Date.now() });
        return { batchItemFailures: [] };
      },
    });
    expect(await second.restore()).toBe(2);
    await until(() => got.length === 2);
    expect(got.map((g) => g.body)).toEqual(['now', 'later']);
    // The retry time survived: "later" was not delivered as soon as the queue came back.
    expect(got[1]!.at - sentAt).toBeGreaterThanOrEqual(250);
    await new Promise((r) => setTimeout(r, 50));
    expect(await files(dir)).toEqual([]);
    await second.stop();
  });

  it('a failed message is kept with its new visibility; spent, it moves to the DLQ and off the disk', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'queue-'));
    const dlqDir = await mkdtemp(join(tmpdir(), 'dlq-'));
    const dlq = new LocalQueue({ name: 'dlq', dir: dlqDir });
    let receives = 0;
    const queue = new LocalQueue({
      name: 'work',
      dir,
      visibilityTimeoutMs: 20,
      maxReceiveCount: 3,
      deadLetter: dlq,
      handler: async (event) => {
        receives++;
        return { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) };
      },
    });
    await queue.send([{ body: 'poison' }]);
    await until(() => dlq.messages().length === 1);
    expect(receives).toBe(3);
    expect(await files(dir)).toEqual([]);
    expect(await files(dlqDir)).toHaveLength(1);
    await queue.stop();

    // The DLQ's content survives too.
    const again = new LocalQueue({ name: 'dlq', dir: dlqDir });
    await again.restore();
    expect(again.messages().map((m) => m.body)).toEqual(['poison']);
  });

  it('ignores a write the kill cut short, and sets aside a file it cannot read', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'queue-'));
    await writeFile(join(dir, 'half.json.tmp'), '{"messageId":');
    await writeFile(join(dir, 'bad.json'), 'not json');
    const queue = new LocalQueue({ name: 'work', dir });
    expect(await queue.restore()).toBe(0);
    expect((await readdir(dir)).sort()).toEqual(['bad.json.unreadable']);
  });
});
