/**
 * Writes queued behind one another on a challenge (shared/store/write.ts): the next
 * one starts from the state items the previous one committed instead of reading
 * them back. That is only right if those items are exactly what DynamoDB then holds,
 * so every kind of write is checked against a fresh read of the real table, and the
 * saving is checked in round trips.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COUNCILS, registerCouncils } from '../support/councils';
import { startTestHub, type TestHub } from '../support/hub';
import { expectLedgerSound } from '../support/invariants';
import { agreeShares, Callers, dynamoCallCounter, expectStatus, formConsortium } from '../support/money';

const { birmingham, coventry, westminster, plymouth } = COUNCILS;
const [B, C, W, P] = [birmingham.code, coventry.code, westminster.code, plymouth.code];

let hub: TestHub;
let callers: Callers;

beforeAll(async () => {
  hub = await startTestHub();
  callers = new Callers(hub);
  await registerCouncils(hub, [birmingham, coventry, westminster, plymouth]);
});
afterAll(() => hub?.stop());

type Item = Record<string, unknown>;
const bySk = (items: readonly Item[]) => [...items].sort((a, b) => String(a.SK).localeCompare(String(b.SK)));

describe('the state a committed write hands on', () => {
  it('is, for every kind of write, exactly the state items DynamoDB holds once it commits', async () => {
    const { documents } = await import('../../shared/store/client');
    const { readStateItems, stateFromItems } = await import('../../shared/store/challenges');
    const { stateItemsAfter } = await import('../../shared/store/write');
    const lastRead = new Map<string, Item[]>();
    const checked: string[] = [];
    const mismatches: string[] = [];
    let checking = false;
    // On the DocumentClient, so inputs and answers are plain records as the store sees them.
    documents.middlewareStack.add(
      (next, context) => async (args) => {
        const input = (args as { input: Record<string, any> }).input;
        const out = await next(args);
        const output = out.output as Record<string, any>;
        if (checking) return out;
        const command = String(context.commandName);
        const pk = input.ExpressionAttributeValues?.[':pk'] as string | undefined;
        if (command === 'QueryCommand' && pk?.startsWith('CHALLENGE#') && JSON.stringify(input).includes('"S#')) {
          lastRead.set(pk, output.Items ?? []);
        }
        if (command === 'TransactWriteItemsCommand') {
          const challengePut = (input.TransactItems as Array<{ Put?: { Item: Item } }>).find((t) => t.Put?.Item.SK === 'S#CHALLENGE')?.Put?.Item;
          if (challengePut) {
            const partition = challengePut.PK as string;
            const predicted = stateItemsAfter(lastRead.get(partition) ?? [], input.TransactItems);
            checking = true;
            const stored = await readStateItems(partition.slice('CHALLENGE#'.length)).finally(() => (checking = false));
            const what = `${(input.TransactItems as Array<{ Put?: { Item: Item } }>).map((t) => t.Put?.Item.kind).filter(Boolean).join('+')}`;
            checked.push(what);
            try {
              expect(bySk(predicted)).toStrictEqual(bySk(stored));
              expect(stateFromItems(predicted)).toStrictEqual(stateFromItems(stored));
            } catch (error) {
              mismatches.push(`${what}: ${(error as Error).message.slice(0, 400)}`);
            }
            lastRead.set(partition, stored);
          }
        }
        return out;
      },
      { step: 'initialize', name: 'checkHandedOnState', override: true },
    );

    const officer = callers.officer;
    const finance = callers.finance;
    const call = async (token: Promise<string>, method: string, path: string, body?: unknown, status = method === 'PUT' ? 200 : 201) =>
      expectStatus(await hub.call(method, path, { token: await token, ...(body !== undefined ? { body } : {}) }), status, `${method} ${path}`);

    // Membership: create, invite and accept (formConsortium), an invitation declined; later a withdrawal.
    const id = await formConsortium(hub, callers, B, [C, W], 'Handed-on state');
    const base = `/v1/challenges/${id}`;
    const got = await hub.call('GET', base, { token: await officer(B) });
    await expectStatus(
      await hub.call('PATCH', base, { token: await officer(B), body: { statement: 'Shared fleet', howMightWe: 'How might we share one fleet?' }, headers: { 'if-match': got.headers.get('etag')! } }),
      200,
      'patch',
    );
    await call(officer(B), 'POST', `${base}/stage`, { to: 'scoping' }, 200);
    await call(officer(B), 'POST', `${base}/invitations`, { council: P, role: 'observer' });
    await call(officer(P), 'POST', `${base}/members/${P}/decline`, undefined, 200);
    // Shares: a proposal, approvals, a superseding one rejected.
    const shares = [B, C, W].map((council, i) => ({ council, costBps: [5000, 3000, 2000][i]!, riskBps: [4000, 4000, 2000][i]! }));
    await agreeShares(hub, callers, id, B, [B, C, W], { basis: 'custom', shares });
    const second = await call(officer(B), 'POST', `${base}/share-agreements`, { basis: 'equal' });
    await call(officer(C), 'POST', `${base}/share-agreements/${second.body.version}/reject`, { reason: 'Not equal in use' }, 200);
    // Money: pledges, commitments, a receipt, costs one and several at a time, a reversal.
    for (const council of [B, C, W]) {
      await call(finance(council), 'PUT', `${base}/pledges/${council}`, { amountPence: 50_000 });
      await call(finance(council), 'POST', `${base}/commitments`, { amountPence: 40_000, reference: `PO-${council}` });
    }
    await call(finance(B), 'POST', `${base}/receipts`, { council: C, amountPence: 25_000 });
    const cost = await call(finance(B), 'POST', `${base}/costs`, { amountPence: 10_001, description: 'Telematics pilot', supplier: 'Fleet Ltd' });
    await call(finance(B), 'POST', `${base}/costs:batch`, { costs: [{ amountPence: 999, description: 'Fuel' }, { amountPence: 1, description: 'Parking' }] });
    await call(finance(B), 'POST', `${base}/costs/${cost.body.id}/reverse`, { reason: 'Invoiced twice' });
    // The lead passes on, a member leaves.
    await call(officer(B), 'POST', `${base}/lead`, { council: C }, 200);
    await call(officer(W), 'POST', `${base}/members/${W}/withdraw`, undefined, 200);

    documents.middlewareStack.remove('checkHandedOnState');
    expect(mismatches).toEqual([]);
    expect(checked.length).toBeGreaterThanOrEqual(25);
    for (const kind of ['member', 'agreement', 'entry', 'reversal-marker']) expect(checked.join(' ')).toContain(kind);
  });

  it('a write queued behind another on the same challenge reads no state: four at once make one state Query', async () => {
    const id = await formConsortium(hub, callers, B, [C], 'Queued writes');
    await agreeShares(hub, callers, id, B, [B, C], { basis: 'equal' });
    const token = await callers.finance(B);
    const counter = await dynamoCallCounter();
    const { result, calls } = await counter.during(() =>
      Promise.all([1, 2, 3, 4].map((i) => hub.call('POST', `/v1/challenges/${id}/costs`, { token, body: { amountPence: 100 * i, description: `Queued ${i}` } }))),
    );
    expect(result.map((r) => r.status)).toEqual([201, 201, 201, 201]);
    expect(calls.filter((c) => c === 'TransactWriteItems')).toHaveLength(4);
    // The first reads the state; the three queued behind it start from what the one before committed.
    expect(calls.filter((c) => c === 'Query')).toHaveLength(1);
    await expectLedgerSound(hub, id, 'after four queued costs');
  });
});
