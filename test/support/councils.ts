import type { TestHub } from './hub';

/** Real councils (ONS GSS codes) the tests register. */
export const COUNCILS = {
  birmingham: { code: 'E08000025', name: 'Birmingham City Council', kind: 'metropolitan_borough', population: 1_144_900 },
  coventry: { code: 'E08000026', name: 'Coventry City Council', kind: 'metropolitan_borough', population: 345_300 },
  westminster: { code: 'E09000033', name: 'Westminster City Council', kind: 'london_borough', population: 204_300 },
  plymouth: { code: 'E06000026', name: 'Plymouth City Council', kind: 'unitary', population: 264_700 },
  dudley: { code: 'E08000027', name: 'Dudley Council', kind: 'metropolitan_borough', population: 323_500 },
} as const;

export async function registerCouncils(hub: TestHub, councils: ReadonlyArray<{ code: string; name: string; kind: string; population?: number }>) {
  const admin = await hub.token({ groups: ['hub-admin'] });
  for (const { code, ...body } of councils) {
    const res = await hub.call('PUT', `/v1/councils/${code}`, { token: admin, body });
    if (res.status !== 201 && res.status !== 200) throw new Error(`register ${code}: ${res.status} ${JSON.stringify(res.body)}`);
  }
}

/** n synthetic English district codes, E07000100 upwards. */
export const syntheticCouncils = (n: number, from = 100) =>
  Array.from({ length: n }, (_, i) => ({ code: `E07000${String(from + i).padStart(3, '0')}`, name: `District ${from + i}`, kind: 'district' }));

/** An officer's token for each council, by code (sub `officer-<code>`): how most tests act for a council. */
export async function officerTokens(hub: TestHub, councils: ReadonlyArray<{ code: string }>): Promise<Record<string, string>> {
  const tokens: Record<string, string> = {};
  for (const { code } of councils) tokens[code] = await hub.token({ council: code, groups: ['officer'], sub: `officer-${code}` });
  return tokens;
}
