import { expect } from 'vitest';

/**
 * An answer is a problem as api.md fixes it: the status, application/problem+json,
 * type/title/status/detail, the code when one is named, `errors` on every 422, and
 * the CORS header every answer carries. Returns the problem body.
 */
export function expectProblem(res: { status: number; headers: Headers; body: any }, status: number, code?: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  expect(res.body).toMatchObject({ status, type: expect.any(String), title: expect.any(String), detail: expect.any(String) });
  if (code) expect(res.body.code).toBe(code);
  if (status === 422) expect(res.body.errors?.length, JSON.stringify(res.body)).toBeGreaterThan(0);
  expect(res.headers.get('access-control-allow-origin')).toBe('*');
  return res.body;
}
