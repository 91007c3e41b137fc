/**
 * Validates OCDS data offline against the official schemas in `../shared/ocds/` (beside the
 * project root; CI has a copy of shared/ there): the 1.1.5 release package schema, and the
 * 1.1.5 release schema with the budget breakdown extension applied as a JSON Merge Patch
 * (RFC 7396). Draft-04 schemas, so ajv-draft-04 with ajv-formats, `strict: false` (the OCDS
 * schemas carry their own keywords: codelist, openCodelist, omitWhenMerged, ...).
 *
 * Beyond the schemas, `referenceProblems` checks what OCDS's Data Review Tool checks and a
 * JSON Schema cannot: party roles from the codelist, and every organization reference naming
 * a party that holds the matching role.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import type { ErrorObject, ValidateFunction } from 'ajv';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ocdsSchemaDir = path.join(projectRoot, '..', 'shared', 'ocds');

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * RFC 7396 JSON Merge Patch: an object patch merges key by key, `null` removes a key, and
 * anything else (arrays included) replaces the target. Returns a new value; never mutates.
 */
export function mergePatch(target: Json | undefined, patch: Json): Json {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return structuredClone(patch);
  const result: { [key: string]: Json } =
    target !== null && typeof target === 'object' && !Array.isArray(target) ? structuredClone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

function readSchemaFile(name: string): { text: string; json: Json } {
  const file = path.join(ocdsSchemaDir, name);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`OCDS schema ${name} not found at ${file}: the tests expect a copy of shared/ocds/ beside the project (${(err as Error).message})`);
  }
  return { text, json: JSON.parse(text) as Json };
}

/** The sha256 of each file as the README in shared/ocds/ records it, so a stale copy fails loudly. */
function recordedHashes(): Map<string, string> {
  const readme = readFileSync(path.join(ocdsSchemaDir, 'README.md'), 'utf8');
  const hashes = new Map<string, string>();
  for (const m of readme.matchAll(/^\|\s*([\w.+-]+\.(?:json|csv))\s*\|.*\|\s*([0-9a-f]{64})\s*\|\s*$/gm)) hashes.set(m[1]!, m[2]!);
  return hashes;
}

function checkedFile(name: string, hashes: Map<string, string>) {
  const file = readSchemaFile(name);
  const expected = hashes.get(name);
  const actual = createHash('sha256').update(file.text).digest('hex');
  if (expected !== undefined && expected !== actual) {
    throw new Error(`${name} in ${ocdsSchemaDir} has sha256 ${actual}, the README records ${expected}`);
  }
  return file.json;
}

const RELEASE_SCHEMA_ID = 'https://standard.open-contracting.org/schema/1__1__5/release-schema.json';

/** The budget breakdown extension adds this code to partyRole (its codelists/+partyRole.csv). */
export const EXTENSION_PARTY_ROLES = ['sourceParty'] as const;

export interface OcdsValidator {
  /** Problems of a release package (core release schema, then again with the extension applied); empty when valid. */
  packageProblems(pkg: unknown): string[];
  /** Problems of one release against the release schema merged with the budget breakdown extension. */
  releaseProblems(release: unknown): string[];
  /** The party role codes: partyRole.csv plus the extension's. */
  partyRoles: ReadonlySet<string>;
  /** The merged release schema, for a test that looks inside it. */
  extendedReleaseSchema: Json;
}

function describeErrors(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
}

function compilePackage(packageSchema: Json, releaseSchema: Json): ValidateFunction {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(releaseSchema as object, RELEASE_SCHEMA_ID);
  return ajv.compile(packageSchema as object);
}

let cached: OcdsValidator | undefined;

/** Compiled once per test file (the release schema is large). */
export function ocdsValidator(): OcdsValidator {
  if (cached) return cached;
  const hashes = recordedHashes();
  const releaseSchema = checkedFile('release-schema.json', hashes);
  const packageSchema = checkedFile('release-package-schema.json', hashes);
  const extension = checkedFile('budget-breakdown-release-schema.json', hashes);
  const extendedReleaseSchema = mergePatch(releaseSchema, extension);

  const corePackage = compilePackage(packageSchema, releaseSchema);
  const extendedPackage = compilePackage(packageSchema, extendedReleaseSchema);
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  const extendedRelease = ajv.compile({ ...(extendedReleaseSchema as object), id: `${RELEASE_SCHEMA_ID}?extended=budget-breakdown` });

  const csv = readFileSync(path.join(ocdsSchemaDir, 'partyRole.csv'), 'utf8');
  const partyRoles = new Set([...csv.split(/\r?\n/).slice(1).map((line) => line.split(',')[0]!.trim()).filter(Boolean), ...EXTENSION_PARTY_ROLES]);

  cached = {
    packageProblems(pkg) {
      const problems: string[] = [];
      if (!corePackage(pkg)) problems.push(...describeErrors(corePackage.errors).map((p) => `package (core): ${p}`));
      if (!extendedPackage(pkg)) problems.push(...describeErrors(extendedPackage.errors).map((p) => `package (with budget breakdown): ${p}`));
      return problems;
    },
    releaseProblems(release) {
      return extendedRelease(release) ? [] : describeErrors(extendedRelease.errors);
    },
    partyRoles,
    extendedReleaseSchema,
  };
  return cached;
}

interface Ref {
  id?: unknown;
  name?: unknown;
}
interface ReleaseLike {
  parties?: Array<{ id?: unknown; name?: unknown; roles?: unknown }>;
  buyer?: Ref;
  planning?: { budget?: { budgetBreakdown?: Array<{ sourceParty?: Ref }> } };
  tender?: { procuringEntity?: Ref };
  contracts?: Array<{ implementation?: { transactions?: Array<{ payer?: Ref; payee?: Ref }> } }>;
}

/**
 * What the schema cannot say: party ids are unique, roles come from the codelist, and each
 * reference (buyer, procuringEntity, sourceParty, payer, payee) names a party by id and name
 * that holds the role it is referenced in.
 */
export function referenceProblems(release: ReleaseLike, partyRoles: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const parties = new Map<unknown, { name?: unknown; roles: string[] }>();
  for (const p of release.parties ?? []) {
    if (parties.has(p.id)) problems.push(`party ${String(p.id)} is listed twice`);
    const roles = Array.isArray(p.roles) ? (p.roles as string[]) : [];
    for (const r of roles) if (!partyRoles.has(r)) problems.push(`party ${String(p.id)} has role ${r}, not in the partyRole codelist`);
    parties.set(p.id, { name: p.name, roles });
  }
  const check = (where: string, ref: Ref | undefined, role: string) => {
    if (ref === undefined) return;
    const party = parties.get(ref.id);
    if (party === undefined) problems.push(`${where} names party ${String(ref.id)}, which is not in parties`);
    else {
      if (party.name !== ref.name) problems.push(`${where} names ${String(ref.name)} but party ${String(ref.id)} is ${String(party.name)}`);
      if (!party.roles.includes(role)) problems.push(`${where} names party ${String(ref.id)}, which lacks the role ${role}`);
    }
  };
  check('buyer', release.buyer, 'buyer');
  check('tender.procuringEntity', release.tender?.procuringEntity, 'procuringEntity');
  release.planning?.budget?.budgetBreakdown?.forEach((b, i) => check(`budgetBreakdown[${i}].sourceParty`, b.sourceParty, 'sourceParty'));
  release.contracts?.forEach((c, i) =>
    c.implementation?.transactions?.forEach((t, j) => {
      check(`contracts[${i}].transactions[${j}].payer`, t.payer, 'payer');
      check(`contracts[${i}].transactions[${j}].payee`, t.payee, 'payee');
    }),
  );
  return problems;
}
