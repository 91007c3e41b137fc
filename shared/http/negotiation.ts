/**
 * Content negotiation on `Accept` (RFC 9110 §12.5.1), just enough for a route
 * that offers a few media types: the offered type with the highest q wins, the
 * first offered on a tie or when Accept is absent or names none of them.
 */
export function negotiate<T extends string>(accept: string | undefined, offered: readonly [T, ...T[]]): T {
  if (!accept) return offered[0];
  const ranges = accept.split(',').map((part) => {
    const [range = '', ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    return { range: range.trim(), q: q === undefined ? 1 : Number(q) };
  });
  const quality = (type: string) => {
    const [major] = type.split('/');
    // The most specific matching range decides (RFC 9110).
    const exact = ranges.find((r) => r.range === type);
    if (exact) return exact.q;
    const partial = ranges.find((r) => r.range === `${major}/*`);
    if (partial) return partial.q;
    return ranges.find((r) => r.range === '*/*')?.q ?? 0;
  };
  let best = offered[0];
  let bestQ = quality(best);
  for (const type of offered.slice(1)) {
    const q = quality(type);
    if (q > bestQ) [best, bestQ] = [type, q];
  }
  return best;
}
