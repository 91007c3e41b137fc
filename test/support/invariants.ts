/**
 * The ledger invariant checker over what is really in DynamoDB: reads every
 * ledger entry, the members' running figures, the challenge's pool totals and
 * the event items straight from the table (its own client, TABLE_NAME =
 * hub.tableName), then runs the pure `checkInvariants` plus the storage-level
 * rules it cannot see:
 * - pool totals are never stored: they are `poolTotals` of the member figures,
 *   the one function production runs too;
 * - every reversal has exactly one `#REVERSED` marker naming it, and back;
 * - the outbox: one money event per entry, same amount and allocations, and
 *   the ledger (SK order) is in the order the events were committed (seq);
 * - `lastEntryId` is the newest entry.
 */
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { localClient } from '../../infra/local/dynamodb-local';
import { checkInvariants, type LedgerEntry, type MemberFigures, poolTotals } from '../../shared/domain/ledger';
import type { HubEvent } from '../../shared/schemas/events';

type Item = Record<string, any>;

const clients = new Map<string, DynamoDBDocumentClient>();
function client(endpoint: string) {
  let c = clients.get(endpoint);
  if (!c) {
    c = DynamoDBDocumentClient.from(localClient(endpoint), { marshallOptions: { removeUndefinedValues: true } });
    clients.set(endpoint, c);
  }
  return c;
}

async function queryAll(endpoint: string, table: string, pk: string, prefix: string): Promise<Item[]> {
  const items: Item[] = [];
  let start: Item | undefined;
  do {
    const page = await client(endpoint).send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :p)',
        ExpressionAttributeValues: { ':pk': pk, ':p': prefix },
        ExclusiveStartKey: start,
        ConsistentRead: true,
      }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

export interface LedgerSnapshot {
  entries: (LedgerEntry & { reason?: string; agreementVersion?: number })[];
  markers: Item[];
  figures: MemberFigures[];
  members: Item[];
  challenge: Item;
  totals: ReturnType<typeof poolTotals>;
  events: HubEvent[];
}

export async function readLedger(hub: { dynamodbEndpoint: string; tableName: string }, challengeId: string): Promise<LedgerSnapshot> {
  const pk = `CHALLENGE#${challengeId}`;
  const [ledger, state, eventItems] = await Promise.all([
    queryAll(hub.dynamodbEndpoint, hub.tableName, pk, 'ENTRY#'),
    queryAll(hub.dynamodbEndpoint, hub.tableName, pk, 'S#'),
    queryAll(hub.dynamodbEndpoint, hub.tableName, pk, 'EVENT#'),
  ]);
  const strip = ({ PK: _pk, SK: _sk, kind: _k, challengeId: _c, GSI1PK: _g1, GSI1SK: _g2, ...rest }: Item) => rest;
  const challenge = state.find((i) => i.kind === 'challenge');
  if (!challenge) throw new Error(`No challenge ${challengeId} in ${hub.tableName}`);
  const members = state.filter((i) => i.kind === 'member');
  const figures = members.map((m) => ({
    council: m.council as string,
    pledgedPence: m.pledgedPence ?? 0,
    committedPence: m.committedPence ?? 0,
    receivedPence: m.receivedPence ?? 0,
    allocatedCostPence: m.allocatedCostPence ?? 0,
    allocatedRiskPence: m.allocatedRiskPence ?? 0,
  }));
  return {
    entries: ledger.filter((i) => i.kind === 'entry').map((i) => strip(i) as LedgerSnapshot['entries'][number]),
    markers: ledger.filter((i) => i.kind === 'reversal-marker'),
    figures,
    members,
    challenge,
    totals: poolTotals(figures),
    events: eventItems.map((i) => i.event as HubEvent),
  };
}

const MONEY_EVENT: Record<string, string> = {
  pledge: 'PledgeSet',
  commitment: 'CommitmentRecorded',
  receipt: 'ReceiptRecorded',
  cost: 'CostRecorded',
  cost_reversal: 'CostReversed',
};

/** Every broken rule, in words; empty when the ledger in DynamoDB is sound. */
export function ledgerViolations(s: LedgerSnapshot): string[] {
  const violations = checkInvariants({ entries: s.entries, figures: s.figures, totals: s.totals });

  if (s.challenge.totals !== undefined) violations.push('the challenge item stores pool totals: they must only ever be summed from the members');
  for (const [name, value] of Object.entries(s.totals)) if (!Number.isSafeInteger(value)) violations.push(`totals.${name} is not a whole number: ${value}`);

  const reversals = s.entries.filter((e) => e.type === 'cost_reversal');
  for (const r of reversals) {
    const markers = s.markers.filter((m) => m.costId === r.reversesId);
    if (markers.length !== 1 || markers[0]!.reversalId !== r.id) violations.push(`reversal ${r.id} of ${r.reversesId} has no matching marker`);
  }
  for (const m of s.markers) {
    if (!reversals.some((r) => r.id === m.reversalId && r.reversesId === m.costId)) violations.push(`marker for ${m.costId} names no reversal (${m.reversalId})`);
  }

  const moneyEvents = s.events.filter((e) => Object.values(MONEY_EVENT).includes(e.type));
  if (moneyEvents.length !== s.entries.length) violations.push(`${s.entries.length} entries but ${moneyEvents.length} money events`);
  const seqs = s.events.map((e) => e.seq);
  if (!seqs.every((q, i) => q === i + 1)) violations.push(`event seqs are not gapless from 1: ${seqs.join(',')}`);
  if (s.challenge.seq !== s.events.length) violations.push(`challenge seq ${s.challenge.seq} but ${s.events.length} events`);
  const eventOrder: string[] = [];
  for (const e of moneyEvents) eventOrder.push((e.data as { entryId: string }).entryId);
  const entryOrder = s.entries.map((e) => e.id);
  if (eventOrder.join() !== entryOrder.join()) violations.push(`ledger order ${entryOrder.join(',')} is not event order ${eventOrder.join(',')}`);
  for (const entry of s.entries) {
    const matching = moneyEvents.filter((e) => (e.data as { entryId: string }).entryId === entry.id);
    if (matching.length !== 1) {
      violations.push(`entry ${entry.id} has ${matching.length} events`);
      continue;
    }
    const e = matching[0]!;
    const data = e.data as { amountPence: number; allocations?: unknown; council?: string };
    if (e.type !== MONEY_EVENT[entry.type]) violations.push(`entry ${entry.id} (${entry.type}) has a ${e.type} event`);
    if (data.amountPence !== entry.amountPence) violations.push(`entry ${entry.id} amount ${entry.amountPence}, event says ${data.amountPence}`);
    if (entry.allocations && JSON.stringify(data.allocations) !== JSON.stringify(entry.allocations)) violations.push(`entry ${entry.id} allocations differ from its event's`);
    if (entry.council && data.council !== entry.council) violations.push(`entry ${entry.id} council ${entry.council}, event says ${data.council}`);
  }
  const last = s.entries.at(-1)?.id;
  if (s.challenge.lastEntryId !== last) violations.push(`lastEntryId ${s.challenge.lastEntryId} but the newest entry is ${last}`);
  return violations;
}

/** Reads the ledger from DynamoDB and throws, listing every violation, unless all invariants hold. */
export async function expectLedgerSound(hub: { dynamodbEndpoint: string; tableName: string }, challengeId: string, context = ''): Promise<LedgerSnapshot> {
  const snapshot = await readLedger(hub, challengeId);
  const violations = ledgerViolations(snapshot);
  if (violations.length > 0) throw new Error(`Ledger invariants broken${context ? ` ${context}` : ''}:\n- ${violations.join('\n- ')}`);
  return snapshot;
}
