/**
 * One webhook POST over node:http(s), with the address checks of url-safety.ts
 * applied to the connection itself and a hard timeout. Never throws: the answer is a
 * status code or the reason there was none, which the retry rules then judge.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { AttemptResult } from './retry-schedule';
import type { SignedRequest } from './signing';
import { classifyAddress, isAllowedAddress, safeLookup, urlProblem } from './url-safety';

export type PostWebhook = (url: string, request: SignedRequest, options: { timeoutMs: number; localMode: boolean }) => Promise<AttemptResult>;

export const postWebhook: PostWebhook = async (url, { body, headers }, { timeoutMs, localMode }) => {
  const problem = urlProblem(url, localMode);
  if (problem) return { error: `URL not allowed: ${problem}` };
  const target = new URL(url);
  const host = target.hostname.replace(/^\[|\]$/g, '');
  // An IP literal skips DNS (and so the lookup hook): check it here.
  if (isIP(host) && !isAllowedAddress(host, localMode)) return { error: `Address not allowed: ${host} is a ${classifyAddress(host)} address` };

  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<AttemptResult>((resolve) => {
    const req = send(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup: safeLookup(localMode) as never,
        signal: AbortSignal.timeout(timeoutMs),
      },
      (res) => {
        // Only the status matters; the body is read and discarded (the timeout still bounds it).
        res.resume();
        res.on('error', () => undefined);
        resolve({ statusCode: res.statusCode ?? 0 });
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => {
      const timedOut = error.name === 'AbortError' || error.name === 'TimeoutError';
      resolve({ error: timedOut ? `No answer within ${timeoutMs / 1000} s` : `${error.code ?? error.name}: ${error.message}` });
    });
    req.end(body);
  });
};
