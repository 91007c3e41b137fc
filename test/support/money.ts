/** Helpers for the money tests: a consortium over HTTP, tokens per role, and a DynamoDB call counter. */
import type { Group } from '../../shared/auth';
import type { TestHub } from './hub';

export class Callers {
  private cache = new Map<string, string>();
  constructor(private hub: TestHub) {}
  async token(council: string, group: Group): Promise<string> {
    const key = `${council}:${group}`;
    let t = this.cache.get(key);
    if (!t) {
      t = await this.hub.token({ council, groups: [group], sub: `${group}-${council}` });
      this.cache.set(key, t);
    }
    return t;
  }
  officer = (council: string) => this.token(council, 'officer');
  finance = (council: string) => this.token(council, 'finance');
}

export async function expectStatus<R extends { status: number; body: any }>(res: R, status: number, what: string): Promise<R> {
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
  return res;
}

/** A challenge led by `lead` with `partners` invited and accepted: every one an active funding member. */
export async function formConsortium(hub: TestHub, callers: Callers, lead: string, partners: string[], title = 'Shared budget'): Promise<string> {
  const created = await expectStatus(
    await hub.call('POST', '/v1/challenges', { token: await callers.officer(lead), body: { title } }),
    201,
    'create challenge',
  );
  const id = created.body.id as string;
  for (const partner of partners) await join(hub, callers, id, lead, partner);
  return id;
}

export async function join(hub: TestHub, callers: Callers, id: string, lead: string, council: string, role: 'partner' | 'observer' = 'partner') {
  await expectStatus(
    await hub.call('POST', `/v1/challenges/${id}/invitations`, { token: await callers.officer(lead), body: { council, role } }),
    201,
    `invite ${council}`,
  );
  await expectStatus(
    await hub.call('POST', `/v1/challenges/${id}/members/${council}/accept`, { token: await callers.officer(council) }),
    200,
    `accept ${council}`,
  );
}

/** Proposes an agreement as the lead and has every other funding member approve it. */
export async function agreeShares(hub: TestHub, callers: Callers, id: string, lead: string, councils: string[], body: { basis: string; shares?: unknown }) {
  const proposed = await expectStatus(
    await hub.call('POST', `/v1/challenges/${id}/share-agreements`, { token: await callers.officer(lead), body }),
    201,
    'propose agreement',
  );
  let last = proposed;
  for (const council of councils.filter((c) => c !== lead)) {
    last = await expectStatus(
      await hub.call('POST', `/v1/challenges/${id}/share-agreements/${proposed.body.version}/approve`, { token: await callers.officer(council) }),
      200,
      `approve by ${council}`,
    );
  }
  if (last.body.status !== 'active') throw new Error(`agreement not active: ${JSON.stringify(last.body)}`);
  return last.body;
}

/**
 * Counts the DynamoDB calls the handlers make: a middleware on the shared client
 * (the in-process hub's handlers and the Powertools idempotency layer use it).
 * Call it after the hub started: shared/db reads DYNAMODB_ENDPOINT when it loads.
 * The local hub's event fan-out shares the client and runs in the background (on
 * subscription items only), so calls that touch SUBSCRIPTION keys are not counted.
 */
export async function dynamoCallCounter() {
  const { dynamodb } = await import('../../shared/store/client');
  const calls: string[] = [];
  let on = false;
  // The initialize step runs once per send(), before any SDK retry: one count per call made.
  dynamodb.middlewareStack.add(
    (next, context) => async (args) => {
      if (on && !JSON.stringify((args as { input?: unknown }).input ?? {}).includes('SUBSCRIPTION')) {
        calls.push(String(context.commandName).replace(/Command$/, ''));
      }
      return next(args);
    },
    { step: 'initialize', name: 'countDynamoCalls', override: true },
  );
  return {
    async during<T>(work: () => Promise<T>): Promise<{ result: T; calls: string[] }> {
      calls.length = 0;
      on = true;
      try {
        const result = await work();
        return { result, calls: [...calls] };
      } finally {
        on = false;
      }
    },
  };
}
