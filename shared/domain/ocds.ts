/**
 * A joint challenge as Open Contracting Data Standard 1.1.5 data (docs/ocds.md).
 *
 * Pure: plain data in, plain JSON out; no AWS, no HTTP, no clock. The route reads
 * the challenge, its members, their councils, the active share agreement and the
 * cost entries, and hands them over as an `OcdsInput`; this module decides every
 * OCDS field. The one money rule: an OCDS `Value.amount` is a JSON number in pounds,
 * made from integer pence by string arithmetic (`penceToAmount`) and checked to read
 * back to the same pence, never by dividing a float.
 */
import type { CouncilKind, MemberRole, MemberStatus, ProcurementRoute, Stage, Visibility } from '../schemas/common';

// ---------------------------------------------------------------------------
// Constants

/** The budget breakdown extension's published URL (../shared/ocds/README.md). */
export const BUDGET_BREAKDOWN_EXTENSION =
  'https://raw.githubusercontent.com/open-contracting-extensions/ocds_budget_breakdown_extension/master/extension.json';
/** `links.next` on the feed package, as Find a Tender's release feed uses it. */
export const PAGINATION_EXTENSION =
  'https://raw.githubusercontent.com/open-contracting-extensions/ocds_pagination_extension/master/extension.json';

/** Clearly not a registered prefix: a real publisher registers one with the Open Contracting Partnership. */
export const DEFAULT_OCID_PREFIX = 'ocds-local-hub';
/** UK public sector data is published under the Open Government Licence (as Find a Tender does). */
export const DEFAULT_LICENSE = 'http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/';
export const DEFAULT_PUBLISHER_NAME = 'Council Collaboration Hub';

/**
 * The hub's identifier scheme for councils: the ONS GSS code the council register is keyed by.
 * Not an org-id.guide list (none lists councils by GSS code); docs/ocds.md describes it, as OCDS
 * asks of a publisher that uses its own list.
 */
export const GSS_SCHEME = 'GB-GSS';

/**
 * At most this many transactions in one release, the newest: a release with its split text is
 * about 0.5 KB plus 0.1 KB per council per transaction, and a Lambda response is at most 6 MB
 * (docs/ocds.md, The routes). Beyond it the contract's description says that earlier ones are left out.
 */
export const MAX_TRANSACTIONS_PER_RELEASE = 500;

/** The events that make a feed release: one release per event (docs/ocds.md, The feed). */
export const OCDS_FEED_EVENT_TYPES = ['ChallengeStageChanged', 'ShareAgreementActivated'] as const;
export type OcdsFeedEventType = (typeof OCDS_FEED_EVENT_TYPES)[number];
export const isOcdsFeedEvent = (type: string): type is OcdsFeedEventType =>
  (OCDS_FEED_EVENT_TYPES as readonly string[]).includes(type);

// ---------------------------------------------------------------------------
// Input: what the route reads (field names as the hub's records have them)

export interface OcdsChallenge {
  id: string;
  title: string;
  statement: string;
  howMightWe: string;
  outcomes: readonly string[];
  themes: readonly string[];
  visibility: Visibility;
  procurementRoute: ProcurementRoute;
  targetBudgetPence?: number | undefined;
  leadCouncil: string;
  stage: Stage;
  createdAt: string;
  updatedAt: string;
}

export interface OcdsMember {
  council: string;
  role: MemberRole;
  status: MemberStatus;
  /** The member's running total of commitments (the statement's `committedPence`). */
  committedPence: number;
}

export interface OcdsCouncil {
  code: string;
  name: string;
  kind: CouncilKind;
  region?: string | undefined;
  population?: number | undefined;
  /**
   * An org-id.guide identifier for the council (e.g. `{scheme: 'GB-LAE', id: 'BIR'}` or a
   * `GB-PPON`), when the register holds one. The register has no such field yet; with it, the
   * party's `identifier` is this one and the GSS code moves to `additionalIdentifiers`.
   */
  orgId?: { scheme: string; id: string } | undefined;
}

export interface OcdsShare {
  council: string;
  costBps: number;
  riskBps: number;
}

export interface OcdsAgreement {
  version: number;
  shares: readonly OcdsShare[];
}

export interface OcdsAllocation {
  council: string;
  costPence: number;
  riskPence: number;
}

/** A `cost` or `cost_reversal` ledger entry (api.md, Money). */
export interface OcdsCost {
  id: string;
  type: 'cost' | 'cost_reversal';
  /** Negative on a reversal. */
  amountPence: number;
  allocations: readonly OcdsAllocation[];
  description?: string | undefined;
  supplier?: string | undefined;
  category?: string | undefined;
  reference?: string | undefined;
  /** cost_reversal: why. */
  reason?: string | undefined;
  /** cost_reversal: the cost it reverses. */
  reversesId?: string | undefined;
  recordedAt: string;
}

export interface OcdsInput {
  challenge: OcdsChallenge;
  /** Every membership record (any role and status); the mapping picks the funding members. */
  members: readonly OcdsMember[];
  /** The council register's records for (at least) the members. */
  councils: ReadonlyMap<string, OcdsCouncil> | readonly OcdsCouncil[];
  /** The active share agreement, if any. */
  agreement?: OcdsAgreement | undefined;
  /** The cost and cost_reversal entries, in ledger order (oldest first). */
  costs: readonly OcdsCost[];
  /** The state's last event: its seq names the release, its time dates it. */
  asOf: { seq: number; occurredAt: string };
  /** For a cancelled challenge: the stage it was cancelled from (the ChallengeStageChanged `from`). */
  cancelledFrom?: Stage | undefined;
  /**
   * True when `costs` holds only the newest cost entries (the read stopped at its bound):
   * the release then says so in the contract's description (docs/ocds.md, The routes).
   */
  earlierCostsOmitted?: boolean | undefined;
}

export interface OcdsPublisher {
  name: string;
  scheme?: string | undefined;
  uid?: string | undefined;
  uri?: string | undefined;
}

export interface OcdsSettings {
  /** `OCDS_PREFIX`; the ocid is `<prefix>-<challenge id>`. */
  ocidPrefix: string;
  publisher: OcdsPublisher;
  license: string;
  /** Where the hub's API is reached, e.g. `https://hub.example.gov.uk`; package URIs start with it. */
  baseUrl: string;
  publicationPolicy?: string | undefined;
}

// ---------------------------------------------------------------------------
// Output: the parts of OCDS 1.1.5 this hub fills in

export type OcdsReleaseTag =
  | 'planning'
  | 'tender'
  | 'tenderCancellation'
  | 'award'
  | 'awardCancellation'
  | 'contract'
  | 'implementation'
  | 'contractTermination';
export type OcdsTenderStatus = 'active' | 'cancelled' | 'complete';
export type OcdsAwardStatus = 'active' | 'cancelled';
export type OcdsContractStatus = 'pending' | 'active' | 'cancelled' | 'terminated';
export type OcdsMethod = 'open' | 'selective' | 'limited' | 'direct';
export type OcdsPartyRole = 'buyer' | 'procuringEntity' | 'funder' | 'sourceParty' | 'payer' | 'payee';

export interface OcdsValue {
  amount: number;
  currency: 'GBP';
}
export interface OcdsIdentifier {
  scheme: string;
  id: string;
  legalName?: string;
}
export interface OcdsOrganizationReference {
  id: string;
  name: string;
}
export interface OcdsParty {
  id: string;
  name: string;
  identifier?: OcdsIdentifier;
  additionalIdentifiers?: OcdsIdentifier[];
  address?: { region?: string; countryName?: string };
  roles: OcdsPartyRole[];
}
export interface OcdsBudgetBreakdown {
  id: string;
  description: string;
  amount: OcdsValue;
  sourceParty: OcdsOrganizationReference;
}
export interface OcdsPlanning {
  rationale?: string;
  budget: {
    description: string;
    amount: OcdsValue;
    project: string;
    projectID: string;
    budgetBreakdown: OcdsBudgetBreakdown[];
  };
}
export interface OcdsTender {
  id: string;
  title: string;
  description?: string;
  status: OcdsTenderStatus;
  procurementMethod?: OcdsMethod;
  procurementMethodDetails: string;
  procuringEntity: OcdsOrganizationReference;
  value?: OcdsValue;
}
export interface OcdsAward {
  id: string;
  title: string;
  status: OcdsAwardStatus;
}
export interface OcdsTransaction {
  id: string;
  date: string;
  value: OcdsValue;
  payer: OcdsOrganizationReference;
  payee?: OcdsOrganizationReference;
  description: string;
}
export interface OcdsContract {
  id: string;
  awardID: string;
  title: string;
  description?: string;
  status: OcdsContractStatus;
  implementation?: { transactions: OcdsTransaction[] };
}
export interface OcdsRelease {
  ocid: string;
  id: string;
  date: string;
  tag: OcdsReleaseTag[];
  initiationType: 'tender';
  language: 'en';
  parties: OcdsParty[];
  buyer: OcdsOrganizationReference;
  planning: OcdsPlanning;
  tender?: OcdsTender;
  awards?: OcdsAward[];
  contracts?: OcdsContract[];
}
export interface OcdsReleasePackage {
  uri: string;
  version: '1.1';
  publishedDate: string;
  publisher: OcdsPublisher;
  license: string;
  publicationPolicy?: string;
  extensions: string[];
  releases: OcdsRelease[];
  links?: { next: string };
}

// ---------------------------------------------------------------------------
// Money: integer pence to an OCDS amount (a JSON number in pounds), exactly

const AMOUNT_TEXT = /^(-?)(\d+)(?:\.(\d{1,2}))?$/;

/** `-12345.6` → `-1234560`; refuses anything that is not a whole number of pence. */
export function amountToPence(amount: number): number {
  const m = AMOUNT_TEXT.exec(String(amount));
  if (m === null) throw new RangeError(`${String(amount)} is not a whole number of pence in pounds`);
  const [, sign, pounds, fraction = ''] = m;
  const pence = BigInt(pounds!) * 100n + BigInt(fraction.padEnd(2, '0'));
  const value = Number(sign === '-' ? -pence : pence);
  if (!Number.isSafeInteger(value)) throw new RangeError(`${String(amount)} pounds is beyond a safe number of pence`);
  return value;
}

/**
 * Integer pence as an OCDS `Value.amount`: the decimal text `<pounds>.<pp>` is written with
 * integer arithmetic and read as a number, so 1000001 gives exactly 10000.01 (the JSON text
 * `10000.01`). Exact for every |pence| below 10^15 (15 significant digits always read back);
 * beyond that an amount that would not read back to the same pence is refused, never rounded.
 */
export function penceToAmount(pence: number): number {
  if (!Number.isSafeInteger(pence)) throw new RangeError(`pence must be a safe whole number (got ${String(pence)})`);
  const amount = Number(poundsText(pence));
  if (amountToPence(amount) !== pence) {
    throw new RangeError(`${pence} pence has no exact JSON number in pounds`);
  }
  return amount;
}

/** `-101` → `"-1.01"`: the exact decimal text in pounds. */
export function poundsText(pence: number): string {
  if (!Number.isSafeInteger(pence)) throw new RangeError(`pence must be a safe whole number (got ${String(pence)})`);
  const negative = pence < 0;
  const abs = negative ? 0 - pence : pence;
  const pp = abs % 100;
  return `${negative ? '-' : ''}${(abs - pp) / 100}.${String(pp).padStart(2, '0')}`;
}

/** `-123456789` → `"-£1,234,567.89"`, for descriptions people read. */
export function formatPounds(pence: number): string {
  const text = poundsText(pence);
  const negative = text.startsWith('-');
  const [whole, pp] = (negative ? text.slice(1) : text).split('.') as [string, string];
  return `${negative ? '-' : ''}£${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${pp}`;
}

/** Basis points as a percentage with two decimals: 3334 → `"33.34%"`. */
export function bpsToPercent(bps: number): string {
  if (!Number.isSafeInteger(bps) || bps < 0) throw new RangeError(`bps must be a non-negative whole number (got ${String(bps)})`);
  const hundredths = bps % 100;
  return `${(bps - hundredths) / 100}.${String(hundredths).padStart(2, '0')}%`;
}

export const gbp = (pence: number): OcdsValue => ({ amount: penceToAmount(pence), currency: 'GBP' });

// ---------------------------------------------------------------------------
// Stages and procurement routes

interface Phase {
  tag: OcdsReleaseTag[];
  tender?: OcdsTenderStatus;
  award?: OcdsAwardStatus;
  contract?: OcdsContractStatus;
  note?: string;
}

const PLANNING_STAGES: readonly Stage[] = ['draft', 'scoping', 'forming', 'market_engagement'];

/** What each hub stage publishes (docs/ocds.md, Stages). */
export function phaseOf(stage: Stage, cancelledFrom?: Stage): Phase {
  switch (stage) {
    case 'draft':
    case 'scoping':
    case 'forming':
    case 'market_engagement':
      return { tag: ['planning'] };
    case 'procurement':
      return { tag: ['tender'], tender: 'active' };
    case 'awarded':
      return { tag: ['award', 'contract'], tender: 'complete', award: 'active', contract: 'pending' };
    case 'delivery':
      return { tag: ['implementation'], tender: 'complete', award: 'active', contract: 'active' };
    case 'closed':
      return { tag: ['contractTermination'], tender: 'complete', award: 'active', contract: 'terminated', note: 'Closed: delivery complete.' };
    case 'cancelled':
      if (cancelledFrom === 'awarded') {
        return { tag: ['awardCancellation'], tender: 'complete', award: 'cancelled', contract: 'cancelled', note: 'Cancelled after award, before delivery began.' };
      }
      if (cancelledFrom === 'delivery') {
        return { tag: ['contractTermination'], tender: 'complete', award: 'active', contract: 'terminated', note: 'Cancelled during delivery.' };
      }
      // Before or during procurement (or not known): the contracting process itself is cancelled.
      return { tag: ['tenderCancellation'], tender: 'cancelled' };
  }
}

/** `procurementRoute` → OCDS `procurementMethod` (closed method codelist) and its details (docs/ocds.md). */
export const PROCUREMENT_METHODS: Readonly<Record<ProcurementRoute, { method?: OcdsMethod; details: string }>> = {
  open: { method: 'open', details: 'Open procedure' },
  sbri: { method: 'open', details: 'SBRI competition (Small Business Research Initiative): pre-commercial procurement of research and development, open to all' },
  competitive_flexible: { method: 'selective', details: 'Competitive flexible procedure (Procurement Act 2023)' },
  innovation_partnership: { method: 'selective', details: 'Innovation partnership' },
  framework_call_off: { method: 'selective', details: 'Call-off from a framework agreement' },
  direct_award: { method: 'direct', details: 'Direct award' },
  undecided: { details: 'Procurement route not yet decided' },
};

// ---------------------------------------------------------------------------
// Parties

const NATIONS: Readonly<Record<string, string>> = { E: 'England', W: 'Wales', S: 'Scotland', N: 'Northern Ireland' };

export const councilPartyId = (council: OcdsCouncil | undefined, code: string): string =>
  council?.orgId ? `${council.orgId.scheme}-${council.orgId.id}` : `${GSS_SCHEME}-${code}`;

function councilParty(code: string, council: OcdsCouncil | undefined, roles: OcdsPartyRole[]): OcdsParty {
  const name = council?.name ?? code;
  const gss: OcdsIdentifier = { scheme: GSS_SCHEME, id: code, legalName: name };
  const region = council?.region ?? NATIONS[code.charAt(0)];
  return {
    id: councilPartyId(council, code),
    name,
    identifier: council?.orgId ? { scheme: council.orgId.scheme, id: council.orgId.id, legalName: name } : gss,
    ...(council?.orgId ? { additionalIdentifiers: [gss] } : {}),
    address: { ...(region ? { region } : {}), countryName: 'United Kingdom' },
    roles,
  };
}

/** A supplier named on costs (free text in the hub) as a local party id, the same for the same name. */
export function supplierPartyId(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '') // accents off: "Môn" → "mon"
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
  if (slug !== '') return `supplier-${slug}`;
  // FNV-1a over the UTF-16 code units: a name with no letters or digits still gets a stable id.
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return `supplier-${hash.toString(16).padStart(8, '0')}`;
}

const byCode = <T extends { council: string }>(a: T, b: T) => (a.council < b.council ? -1 : a.council > b.council ? 1 : 0);
const isFunding = (m: OcdsMember) => m.status === 'active' && (m.role === 'lead' || m.role === 'partner');

// ---------------------------------------------------------------------------
// The release

/** The challenge's open contracting process id: `<prefix>-<challenge id>`. */
export const ocidOf = (ocidPrefix: string, challengeId: string) => `${ocidPrefix}-${challengeId}`;
/** A release is the whole state as of one event, so it is named by that event's seq. */
export const releaseIdOf = (challengeId: string, seq: number) => `${challengeId}-${seq}`;

function joinText(parts: ReadonlyArray<string | undefined>): string | undefined {
  const text = parts.map((p) => p?.trim() ?? '').filter((p) => p !== '').join('\n\n');
  return text === '' ? undefined : text;
}

function shareText(agreement: OcdsAgreement | undefined, council: string): string {
  if (agreement === undefined) return 'no share agreement is active yet';
  const share = agreement.shares.find((s) => s.council === council);
  if (share === undefined) return `no share in the active share agreement (version ${agreement.version})`;
  return `cost share ${bpsToPercent(share.costBps)} (${share.costBps} bps), risk share ${bpsToPercent(share.riskBps)} (${share.riskBps} bps), share agreement version ${agreement.version}`;
}

function costDescription(cost: OcdsCost, name: (code: string) => string): string {
  const head =
    cost.type === 'cost_reversal'
      ? `Reversal of cost ${cost.reversesId ?? '(unknown)'}${cost.reason ? `: ${cost.reason}` : ''}`
      : (cost.description ?? 'Cost');
  const facts = [
    cost.supplier ? `supplier ${cost.supplier}` : undefined,
    cost.category ? `category ${cost.category}` : undefined,
    cost.reference ? `reference ${cost.reference}` : undefined,
  ].filter((f) => f !== undefined);
  const split = [...cost.allocations]
    .sort(byCode)
    .map((a) => `${a.council} ${name(a.council)} ${formatPounds(a.costPence + a.riskPence)} (cost share ${formatPounds(a.costPence)}, risk share ${formatPounds(a.riskPence)})`)
    .join('; ');
  return `${head}${facts.length > 0 ? ` (${facts.join(', ')})` : ''}. Split between the councils: ${split}.`;
}

const omittedNote = (listed: number) =>
  `Only the latest ${listed} transactions are listed; earlier ones are recorded in the hub's ledger and are not in this release.`;

/**
 * The challenge's current state as one OCDS release: the whole picture (parties, planning,
 * and tender, award and contract once reached), so any release of the challenge stands on
 * its own and merging them in date order gives the latest.
 */
export function buildRelease(input: OcdsInput, settings: Pick<OcdsSettings, 'ocidPrefix'>): OcdsRelease {
  const { challenge, agreement, asOf } = input;
  const councils = input.councils instanceof Map
    ? (input.councils as ReadonlyMap<string, OcdsCouncil>)
    : new Map((input.councils as readonly OcdsCouncil[]).map((c) => [c.code, c]));
  const council = (code: string) => councils.get(code);
  const name = (code: string) => council(code)?.name ?? code;
  const ref = (code: string): OcdsOrganizationReference => ({ id: councilPartyId(council(code), code), name: name(code) });

  // Funding members, plus any former funding member whose commitments still count in the pool.
  const seen = new Set<string>();
  const lines = input.members.filter((m) => isFunding(m) || m.committedPence !== 0).sort(byCode);
  for (const m of lines) {
    if (seen.has(m.council)) throw new Error(`member ${m.council} is listed twice`);
    seen.add(m.council);
  }
  if (!lines.some((m) => m.council === challenge.leadCouncil && isFunding(m))) {
    throw new Error(`the lead ${challenge.leadCouncil} is not an active funding member`);
  }

  const phase = phaseOf(challenge.stage, input.cancelledFrom);
  const published = phase.contract !== undefined ? input.costs : [];
  const transactions = published.slice(-MAX_TRANSACTIONS_PER_RELEASE);
  const omitted = phase.contract !== undefined && (published.length > transactions.length || input.earlierCostsOmitted === true);

  // A funding member's budget pays its share of every payment (the transaction's split), so each is a
  // payer; the lead also runs the procurement, and each transaction's `payer` names it, as it pays out.
  const parties: OcdsParty[] = lines.map((m) => {
    const roles: OcdsPartyRole[] = isFunding(m) ? ['buyer'] : [];
    if (m.council === challenge.leadCouncil) roles.push('procuringEntity');
    if (isFunding(m)) roles.push('payer');
    roles.push('funder', 'sourceParty');
    return councilParty(m.council, council(m.council), roles);
  });
  // A reversal corrects a payment to the original cost's supplier, so it names the same payee:
  // what each supplier was paid then nets out, reversal and all.
  const byId = new Map(input.costs.map((c) => [c.id, c]));
  const supplierOf = (cost: OcdsCost) =>
    (cost.type === 'cost_reversal' && cost.reversesId !== undefined ? byId.get(cost.reversesId)?.supplier : cost.supplier)?.trim() || undefined;
  const suppliers = new Map<string, string>();
  for (const cost of transactions) {
    const supplier = supplierOf(cost);
    if (supplier && !suppliers.has(supplierPartyId(supplier))) suppliers.set(supplierPartyId(supplier), supplier);
  }
  for (const [id, supplier] of [...suppliers].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    parties.push({ id, name: supplier, roles: ['payee'] });
  }

  const lead = ref(challenge.leadCouncil);
  const committedPence = lines.reduce((sum, m) => sum + m.committedPence, 0);
  const rationale = joinText([challenge.statement, challenge.howMightWe]);
  const planning: OcdsPlanning = {
    ...(rationale ? { rationale } : {}),
    budget: {
      description: 'Funds committed to this challenge by the councils that share it, one budget line per council',
      amount: gbp(committedPence),
      project: challenge.title,
      projectID: challenge.id,
      budgetBreakdown: lines.map((m) => ({
        id: m.council,
        description: `${name(m.council)} (${isFunding(m) ? m.role : `former ${m.role}, ${m.status}`}): ${shareText(agreement, m.council)}`,
        amount: gbp(m.committedPence),
        sourceParty: ref(m.council),
      })),
    },
  };

  const release: OcdsRelease = {
    ocid: ocidOf(settings.ocidPrefix, challenge.id),
    id: releaseIdOf(challenge.id, asOf.seq),
    date: asOf.occurredAt,
    tag: phase.tag,
    initiationType: 'tender',
    language: 'en',
    parties,
    buyer: lead,
    planning,
  };

  if (phase.tender !== undefined) {
    const route = PROCUREMENT_METHODS[challenge.procurementRoute];
    const outcomes = challenge.outcomes.filter((o) => o.trim() !== '');
    const description = joinText([
      challenge.howMightWe,
      outcomes.length > 0 ? `Outcomes sought:\n${outcomes.map((o) => `- ${o.trim()}`).join('\n')}` : undefined,
    ]) ?? joinText([challenge.statement]);
    release.tender = {
      id: `${challenge.id}-tender`,
      title: challenge.title,
      ...(description ? { description } : {}),
      status: phase.tender,
      ...(route.method ? { procurementMethod: route.method } : {}),
      procurementMethodDetails: route.details,
      procuringEntity: lead,
      ...(challenge.targetBudgetPence !== undefined ? { value: gbp(challenge.targetBudgetPence) } : {}),
    };
  }

  if (phase.award !== undefined && phase.contract !== undefined) {
    const awardId = `${challenge.id}-award-1`;
    release.awards = [{ id: awardId, title: challenge.title, status: phase.award }];
    release.contracts = [
      {
        id: `${challenge.id}-contract-1`,
        awardID: awardId,
        title: challenge.title,
        ...(phase.note || omitted
          ? { description: [phase.note, omitted ? omittedNote(transactions.length) : undefined].filter((t) => t !== undefined).join(' ') }
          : {}),
        status: phase.contract,
        ...(transactions.length > 0
          ? {
              implementation: {
                transactions: transactions.map((cost) => {
                  const supplier = supplierOf(cost);
                  return {
                    id: cost.id,
                    date: cost.recordedAt,
                    value: gbp(cost.amountPence),
                    payer: lead,
                    // The party's name: two spellings of one supplier ("Acme", "ACME") share one party.
                    ...(supplier ? { payee: { id: supplierPartyId(supplier), name: suppliers.get(supplierPartyId(supplier))! } } : {}),
                    description: costDescription(cost, name),
                  };
                }),
              },
            }
          : {}),
      },
    ];
  }

  return release;
}

// ---------------------------------------------------------------------------
// Packages

function packageOf(settings: OcdsSettings, uri: string, publishedDate: string, extensions: string[], releases: OcdsRelease[]): OcdsReleasePackage {
  return {
    uri,
    version: '1.1',
    publishedDate,
    publisher: settings.publisher,
    license: settings.license,
    ...(settings.publicationPolicy ? { publicationPolicy: settings.publicationPolicy } : {}),
    extensions,
    releases,
  };
}

const baseOf = (settings: Pick<OcdsSettings, 'baseUrl'>) => settings.baseUrl.replace(/\/+$/, '');

/**
 * `GET /v1/challenges/{id}/ocds`: a release package holding the challenge's current release.
 * Generated on demand, so `publishedDate` is the time of the last change (the release's date).
 */
export function challengeReleasePackage(input: OcdsInput, settings: OcdsSettings): OcdsReleasePackage {
  const release = buildRelease(input, settings);
  return packageOf(settings, `${baseOf(settings)}/v1/challenges/${input.challenge.id}/ocds`, release.date, [BUDGET_BREAKDOWN_EXTENSION], [release]);
}

/** One point of a challenge's history: an event and the challenge's state just after it. */
export interface OcdsHistoryPoint {
  event: { id: string; type: string; challengeId: string; seq: number; occurredAt: string; data?: Readonly<Record<string, unknown>> };
  state: Omit<OcdsInput, 'asOf'>;
}

/**
 * The feed's releases for a challenge: one per ChallengeStageChanged and per
 * ShareAgreementActivated event, each the state just after that event, named by its seq
 * (stable: the same event always gives the same release) and dated when it happened.
 * Other events give none.
 */
export function releasesFromHistory(points: readonly OcdsHistoryPoint[], settings: Pick<OcdsSettings, 'ocidPrefix'>): OcdsRelease[] {
  const releases: OcdsRelease[] = [];
  for (const { event, state } of points) {
    if (!isOcdsFeedEvent(event.type)) continue;
    if (event.challengeId !== state.challenge.id) {
      throw new Error(`event ${event.id} is about challenge ${event.challengeId}, not ${state.challenge.id}`);
    }
    const from = event.type === 'ChallengeStageChanged' && event.data?.['to'] === 'cancelled' ? (event.data['from'] as Stage | undefined) : undefined;
    releases.push(
      buildRelease({ ...state, cancelledFrom: state.cancelledFrom ?? from, asOf: { seq: event.seq, occurredAt: event.occurredAt } }, settings),
    );
  }
  return releases;
}

/**
 * `GET /v1/ocds/releases?after=<cursor>`: a page of releases of public challenges (by challenge,
 * then seq), with `links.next` (pagination extension) when there is more. The schema wants at
 * least one release, so an empty page is the route's to answer (docs/ocds.md: 204).
 */
export function feedReleasePackage(
  releases: readonly OcdsRelease[],
  settings: OcdsSettings,
  page: { after?: string | undefined; next?: string | undefined; limit?: number | undefined },
): OcdsReleasePackage {
  if (releases.length === 0) throw new RangeError('a release package holds at least one release');
  const publishedDate = releases.reduce((latest, r) => (r.date > latest ? r.date : latest), releases[0]!.date);
  const pkg = packageOf(settings, feedPageUrl(settings, page.after, page.limit), publishedDate, [BUDGET_BREAKDOWN_EXTENSION, PAGINATION_EXTENSION], [...releases]);
  return page.next !== undefined ? { ...pkg, links: { next: feedPageUrl(settings, page.next, page.limit) } } : pkg;
}

/** A page of the feed: `<base>/v1/ocds/releases`, with `after` (a cursor) and `limit` when given. */
export function feedPageUrl(settings: Pick<OcdsSettings, 'baseUrl'>, after?: string, limit?: number): string {
  const query = [
    ...(after !== undefined ? [`after=${encodeURIComponent(after)}`] : []),
    ...(limit !== undefined ? [`limit=${limit}`] : []),
  ].join('&');
  return `${baseOf(settings)}/v1/ocds/releases${query ? `?${query}` : ''}`;
}

// ---------------------------------------------------------------------------
// Settings

/**
 * The publisher settings from the environment (`OCDS_PREFIX`, `OCDS_PUBLISHER_NAME`,
 * `OCDS_PUBLISHER_URI`, `OCDS_LICENSE`, `OCDS_PUBLICATION_POLICY`); `baseUrl` comes from
 * the deployment (the API's own URL). Pure: the caller passes `process.env`.
 */
export function ocdsSettingsFromEnv(env: Readonly<Record<string, string | undefined>>, baseUrl: string): OcdsSettings {
  const ocidPrefix = env['OCDS_PREFIX']?.trim() || DEFAULT_OCID_PREFIX;
  if (!/^[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]$/.test(ocidPrefix)) {
    throw new RangeError(`OCDS_PREFIX must be letters, digits and inner hyphens (got ${JSON.stringify(ocidPrefix)})`);
  }
  const publisherUri = env['OCDS_PUBLISHER_URI']?.trim();
  const policy = env['OCDS_PUBLICATION_POLICY']?.trim();
  return {
    ocidPrefix,
    publisher: { name: env['OCDS_PUBLISHER_NAME']?.trim() || DEFAULT_PUBLISHER_NAME, ...(publisherUri ? { uri: publisherUri } : {}) },
    license: env['OCDS_LICENSE']?.trim() || DEFAULT_LICENSE,
    baseUrl,
    ...(policy ? { publicationPolicy: policy } : {}),
  };
}
