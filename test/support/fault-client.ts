/**
 * A client as a council's system should be written against the hub: every write
 * carries an Idempotency-Key, and when the outcome is unknown (no answer, a 5xx, a
 * 409 idempotency_in_progress, a 503 write_contention) it sends the SAME request
 * again, same key and same bytes, with a small backoff, a bounded number of times.
 * Anything else (2xx, a 4xx refusal) is the final answer.
 */

export interface KeyedRequest {
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  token: string;
  /** Serialised once, so every retry sends exactly the same body. */
  body?: unknown;
  /** Sent as Idempotency-Key on every attempt. */
  key: string;
}

export type AttemptStatus = number | 'transport';

export interface Outcome {
  /** ack: 2xx; refused: a final 4xx; gave-up: still unknown when the retries ran out. */
  final: 'ack' | 'refused' | 'gave-up';
  /** The last answer's status (or 'transport'). */
  status: AttemptStatus;
  body: any;
  headers?: Headers;
  /** Every attempt's answer, oldest first, e.g. [500, 201]. */
  attempts: Array<{ status: AttemptStatus; code?: string }>;
  /** The hub said this answer is a replay of the first one (Idempotent-Replayed: true). */
  replayed: boolean;
}

export interface RetryPolicy {
  /** @default 6 */
  maxAttempts?: number;
  /** Stop retrying once this much time has passed (ms) since the first attempt. @default none */
  deadlineMs?: number;
  /** Wait before retry n (1-based). @default 20 ms doubling, at most 400 ms */
  backoffMs?: (retry: number) => number;
  /** Called before each attempt (1-based), e.g. to change the faults between attempts. */
  beforeAttempt?: (attempt: number) => void;
}

/** The answers after which a careful client cannot know whether the write happened. */
export function outcomeUnknown(status: AttemptStatus, body: any): boolean {
  if (status === 'transport' || status >= 500 || status === 429) return true;
  return status === 409 && body?.code === 'idempotency_in_progress';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function sendOnce(baseUrl: string, req: KeyedRequest, bodyText: string | undefined) {
  const response = await fetch(`${baseUrl}${req.path}`, {
    method: req.method,
    headers: {
      authorization: `Bearer ${req.token}`,
      'idempotency-key': req.key,
      ...(bodyText !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(bodyText !== undefined ? { body: bodyText } : {}),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  let body: unknown = text;
  if (type.includes('json') && text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { status: response.status, headers: response.headers, body };
}

export async function sendWithRetries(baseUrl: string | (() => string), req: KeyedRequest, policy: RetryPolicy = {}): Promise<Outcome> {
  const maxAttempts = policy.maxAttempts ?? 6;
  const backoff = policy.backoffMs ?? ((n: number) => Math.min(400, 20 * 2 ** (n - 1)));
  const bodyText = req.body === undefined ? undefined : JSON.stringify(req.body);
  const started = Date.now();
  const attempts: Outcome['attempts'] = [];
  for (let attempt = 1; ; attempt++) {
    let status: AttemptStatus;
    let body: any;
    let headers: Headers | undefined;
    policy.beforeAttempt?.(attempt);
    try {
      ({ status, body, headers } = await sendOnce(typeof baseUrl === 'function' ? baseUrl() : baseUrl, req, bodyText));
    } catch (error) {
      status = 'transport';
      body = String((error as Error).cause ?? error);
    }
    attempts.push({ status, ...(typeof body?.code === 'string' ? { code: body.code } : {}) });
    const replayed = headers?.get('idempotent-replayed') === 'true';
    if (!outcomeUnknown(status, body)) {
      return { final: (status as number) < 300 ? 'ack' : 'refused', status, body, ...(headers ? { headers } : {}), attempts, replayed };
    }
    const outOfTime = policy.deadlineMs !== undefined && Date.now() - started >= policy.deadlineMs;
    if (outOfTime || (policy.deadlineMs === undefined && attempt >= maxAttempts)) {
      return { final: 'gave-up', status, body, ...(headers ? { headers } : {}), attempts, replayed };
    }
    await sleep(backoff(attempt));
  }
}

/** "500,201" or "409:idempotency_in_progress×22,201": every attempt's answer, repeats counted. */
export function attemptTrail(o: Outcome): string {
  const runs: Array<{ text: string; n: number }> = [];
  for (const a of o.attempts) {
    const text = `${a.status}${a.code ? `:${a.code}` : ''}`;
    const last = runs.at(-1);
    if (last?.text === text) last.n++;
    else runs.push({ text, n: 1 });
  }
  return runs.map((r) => (r.n > 1 ? `${r.text}×${r.n}` : r.text)).join(',');
}
