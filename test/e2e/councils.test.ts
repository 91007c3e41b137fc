import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub';

let hub: TestHub;
let admin: string;
let officer: string;

beforeAll(async () => {
  hub = await startTestHub();
  admin = await hub.token({ groups: ['hub-admin'] });
  officer = await hub.token({ council: 'E08000026', groups: ['officer'] });
});
afterAll(() => hub?.stop());

const birmingham = { name: 'Birmingham City Council', kind: 'metropolitan_borough', region: 'West Midlands', population: 1_144_900 };

const expectProblem = (res: { status: number; headers: Headers; body: any }, status: number) => {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  expect(res.body).toMatchObject({ status, title: expect.any(String), detail: expect.any(String), type: expect.any(String) });
};

describe('system routes', () => {
  it('answers /health without a token', async () => {
    const res = await hub.call('GET', '/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('serves an OpenAPI 3.1 document generated from the route schemas', async () => {
    const { status, body } = await hub.call('GET', '/openapi.json');
    expect(status).toBe(200);
    expect(body.openapi).toBe('3.1.0');
    expect(body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(body.components.schemas.Problem).toBeDefined();
    const put = body.paths['/v1/councils/{code}'].put;
    expect(put.security).toEqual([{ bearer: [] }]);
    expect(put.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/CouncilInput' });
    expect(Object.keys(put.responses)).toEqual(expect.arrayContaining(['200', '201', '401', '403', '422']));
    expect(put.responses['422'].content['application/problem+json']).toBeDefined();
    expect(body.paths['/health'].get.security).toEqual([]); // public: no token (issue 12)
  });

  it('serves a reference page whose assets come from the hub itself', async () => {
    const page = await hub.call('GET', '/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const assets = [...String(page.body).matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(3);
    for (const asset of assets) {
      expect(asset.startsWith('/docs/')).toBe(true); // nothing from a CDN
      const res = await hub.call('GET', asset);
      expect(res.status, asset).toBe(200);
      expect(String(res.body).length).toBeGreaterThan(10);
    }
    expectProblem(await hub.call('GET', '/docs/secrets.txt'), 404);
  });

  it('answers unknown routes with a problem', async () => {
    expectProblem(await hub.call('GET', '/v1/nowhere'), 404);
  });
});

describe('councils', () => {
  it('refuses calls without a valid token (401)', async () => {
    expectProblem(await hub.call('GET', '/v1/councils'), 401);
    expectProblem(await hub.call('GET', '/v1/councils', { token: 'not-a-jwt' }), 401);
    const expired = await hub.keys.sign({ sub: 'x', council: 'E08000025', groups: ['officer'] }, '-1m');
    expectProblem(await hub.call('GET', '/v1/councils', { token: expired }), 401);
  });

  it('lets only a hub-admin register a council (403)', async () => {
    expectProblem(await hub.call('PUT', '/v1/councils/E08000025', { token: officer, body: birmingham }), 403);
    expectProblem(await hub.call('GET', '/v1/councils/E08000025', { token: officer }), 404);
  });

  it('registers (201) then updates (200) a council, keeping createdAt', async () => {
    const created = await hub.call('PUT', '/v1/councils/E08000025', { token: admin, body: birmingham });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/v1/councils/E08000025');
    expect(created.body).toMatchObject({ code: 'E08000025', ...birmingham });

    const { region: _dropped, ...withoutRegion } = birmingham;
    const updated = await hub.call('PUT', '/v1/councils/E08000025', { token: admin, body: { ...withoutRegion, name: 'Birmingham' } });
    expect(updated.status).toBe(200);
    expect(updated.body.createdAt).toBe(created.body.createdAt);

    const read = await hub.call('GET', '/v1/councils/E08000025', { token: officer });
    expect(read.status).toBe(200);
    expect(read.body).toEqual(updated.body);
    expect(read.body.name).toBe('Birmingham');
    expect(read.body.region).toBeUndefined();
  });

  it('validates code and body (422 with errors)', async () => {
    const res = await hub.call('PUT', '/v1/councils/X123', { token: admin, body: { name: '', kind: 'parish', population: 1.5 } });
    expectProblem(res, 422);
    const paths = res.body.errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['params.code', 'body.name', 'body.kind', 'body.population']));
    expectProblem(await hub.call('PUT', '/v1/councils/E08000025', { token: admin, body: { ...birmingham, extra: 1 } }), 422);
  });

  it('answers malformed JSON with 400, not 500', async () => {
    expectProblem(await hub.call('PUT', '/v1/councils/E08000025', { token: admin, body: '{"name": ' }), 400);
    expectProblem(await hub.call('PUT', '/v1/councils/E08000025', { token: admin }), 400);
  });

  it('answers 404 for an unregistered council', async () => {
    expectProblem(await hub.call('GET', '/v1/councils/W06000015', { token: officer }), 404);
  });

  it('pages through councils in code order with an opaque cursor', async () => {
    const codes = ['E06000026', 'E09000033', 'S12000036', 'W06000015', 'N09000003'];
    for (const code of codes) {
      expect((await hub.call('PUT', `/v1/councils/${code}`, { token: admin, body: { name: `Council ${code}`, kind: 'unitary' } })).status).toBe(201);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await hub.call('GET', `/v1/councils?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token: officer });
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.items.map((c: { code: string }) => c.code));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    const all = [...codes, 'E08000025'].sort();
    expect(seen).toEqual(all);
    expect(pages).toBeGreaterThanOrEqual(3);

    const whole = await hub.call('GET', '/v1/councils', { token: officer });
    expect(whole.body.items.map((c: { code: string }) => c.code)).toEqual(all);
    expect(whole.body.nextCursor).toBeUndefined();
  });

  it('rejects bad paging parameters with 422', async () => {
    expectProblem(await hub.call('GET', '/v1/councils?limit=0', { token: officer }), 422);
    expectProblem(await hub.call('GET', '/v1/councils?limit=101', { token: officer }), 422);
    expectProblem(await hub.call('GET', '/v1/councils?cursor=garbage', { token: officer }), 422);
  });

  it('sends security headers and CORS on success and on errors', async () => {
    for (const res of [await hub.call('GET', '/v1/councils', { token: officer }), await hub.call('GET', '/v1/councils/W00000000', { token: officer })]) {
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('strict-transport-security')).toContain('max-age=');
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
    }
  });
});
