/**
 * The reference subscriber's mirror (events/subscriber/mirror.ts): each event once, in
 * seq order, whatever order and how often webhooks bring them; gaps held for the feed;
 * a line cut short by a crash dropped on load.
 */
import { appendFile, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChallengeMirror, type MirroredEvent } from '../../events/subscriber/mirror';

const CHALLENGE = '01J0000000000000000000000A';
const event = (seq: number): MirroredEvent => ({ id: `01J${String(seq).padStart(23, '0')}`, challengeId: CHALLENGE, seq, type: 'ChallengeUpdated' });
const lines = async (m: ChallengeMirror) => (await readFile(m.file, 'utf8')).split('\n').filter(Boolean).map((l) => (JSON.parse(l) as MirroredEvent).seq);

describe('a challenge mirror', () => {
  it('keeps each event once, in seq order, whatever order and however often they arrive', async () => {
    const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
    // Every seq of 1..n at least once, some again, in any order.
    const arrivals = fc.integer({ min: 1, max: 30 }).chain((n) =>
      fc.array(fc.integer({ min: 1, max: n }), { maxLength: 2 * n }).chain((again) => {
        const all = [...range(n), ...again];
        return fc.tuple(fc.constant(n), fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length }));
      }),
    );
    await fc.assert(
      fc.asyncProperty(arrivals, async ([n, order]) => {
        const m = await ChallengeMirror.load(await mkdtemp(join(tmpdir(), 'mirror-')), CHALLENGE);
        for (const seq of order) await m.exclusive(() => m.receive(event(seq)));
        expect(m.gapped).toBe(false);
        expect(await lines(m)).toEqual(range(n));
      }),
      { numRuns: 40 },
    );
  });

  it('holds what follows a gap until the feed fills it, then moves its cursor to the feed\'s next', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mirror-'));
    const m = await ChallengeMirror.load(dir, CHALLENGE);
    expect(await m.receive(event(4))).toBe('held');
    expect(m.gapped).toBe(true);
    // The feed: 1..4 (4 again), and it examined up to 6 (5 and 6 not shown to this council).
    expect(await m.fill([event(1), event(2), event(3), event(4)], 6)).toBe(4);
    expect(m.gapped).toBe(false);
    expect(m.cursor).toBe(6);
    expect(await m.receive(event(7))).toBe('appended');
    expect(await m.receive(event(2))).toBe('duplicate');
    expect(await lines(m)).toEqual([1, 2, 3, 4, 7]);
  });

  it('survives a restart, and drops the line a crash cut short', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mirror-'));
    const first = await ChallengeMirror.load(dir, CHALLENGE);
    for (const seq of [1, 2, 3]) await first.receive(event(seq));
    await appendFile(first.file, JSON.stringify(event(4)).slice(0, 20));
    const again = await ChallengeMirror.load(dir, CHALLENGE);
    expect(again.cursor).toBe(3);
    expect(await again.receive(event(3))).toBe('duplicate');
    expect(await again.receive(event(4))).toBe('appended');
    expect(await lines(again)).toEqual([1, 2, 3, 4]);
  });

  it('refuses a file name that is not a challenge id', async () => {
    await expect(ChallengeMirror.load(await mkdtemp(join(tmpdir(), 'mirror-')), '../../etc/passwd')).rejects.toThrow(/Not a challenge id/);
  });
});
