/**
 * zod, as every schema in the hub imports it: zod's "mini" build, the same parser as
 * the classic API but called as functions (`z.optional(s)`, `s.check(z.maxLength(200))`),
 * so a bundle carries only what its schemas use. Issue 13: about 60 KB less in every
 * Lambda bundle and fewer objects built at init. Classic zod loads its English messages
 * itself; mini is told to here, once, before any schema parses.
 */
import type { GlobalMeta } from 'zod/v4/core';
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

z.config(en());

export * from 'zod/mini';

/**
 * `schema` with metadata (an OpenAPI component `id`, a `description`...), attached as
 * classic zod's `.meta()` and `.describe()` attach it: to a copy, so a shared schema keeps its own.
 */
export function withMeta<T extends z.ZodMiniType>(schema: T, metadata: GlobalMeta): T {
  const copy = schema.clone();
  z.globalRegistry.add(copy, metadata);
  return copy;
}

export const described = <T extends z.ZodMiniType>(schema: T, description: string): T => withMeta(schema, { description });
