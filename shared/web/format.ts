/**
 * How the pages write money, shares, dates and the hub's words. Money is integer
 * pence from end to end: formatted and parsed as digits, never through a float.
 */
import type { LedgerEntryType, MemberRole, MemberStatus, Stage } from '../schemas/common';

const groupThousands = (digits: string) => digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** 123456 → "£1,234.56"; -5 → "-£0.05". */
export function pounds(pence: number): string {
  if (!Number.isSafeInteger(pence)) throw new RangeError(`pence must be a whole number (got ${String(pence)})`);
  const abs = Math.abs(pence);
  const whole = Math.trunc(abs / 100);
  const rest = abs % 100;
  return `${pence < 0 ? '-' : ''}£${groupThousands(String(whole))}.${String(rest).padStart(2, '0')}`;
}

/** A shorter label for chart axes: "£1.2m", "£45k", "£900". */
export function poundsShort(pence: number): string {
  const sign = pence < 0 ? '-' : '';
  const p = Math.abs(pence) / 100;
  if (p >= 1_000_000) return `${sign}£${trimZero((p / 1_000_000).toFixed(1))}m`;
  if (p >= 1_000) return `${sign}£${trimZero((p / 1_000).toFixed(1))}k`;
  return `${sign}£${trimZero(p.toFixed(p >= 100 ? 0 : 2))}`;
}
const trimZero = (s: string) => s.replace(/\.0+$|(\.\d*[1-9])0+$/, '$1');

/** 3334 → "33.34%". */
export function percent(bps: number): string {
  return `${Math.trunc(bps / 100)}.${String(bps % 100).padStart(2, '0')}%`;
}

/**
 * "1,234.56", "£1234.5", "1234" → pence; anything else (more than two decimals,
 * a sign, letters, an empty box) → undefined. The hub itself then checks the range.
 */
export function parsePounds(input: string): number | undefined {
  const text = input.trim().replace(/^£\s*/, '').replaceAll(',', '');
  const m = /^(\d{1,13})(?:\.(\d{1,2}))?$/.exec(text);
  if (!m) return undefined;
  const pence = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
  return Number.isSafeInteger(pence) ? pence : undefined;
}

/** Pence → the value a form box shows again ("1234.50"). */
export const poundsInput = (pence: number) => `${Math.trunc(pence / 100)}.${String(Math.abs(pence) % 100).padStart(2, '0')}`;

/**
 * A formatter made on first use: the process's first Intl object starts ICU, about 25 ms of
 * CPU, which the function's cold start need not pay when its first request (a form's redirect,
 * an asset, sign-in) writes no date.
 */
function lazyFormat(options: Intl.DateTimeFormatOptions): () => Intl.DateTimeFormat {
  let format: Intl.DateTimeFormat | undefined;
  return () => (format ??= new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', ...options }));
}
// hourCycle h12, not hour12: en-GB's 12-hour clock otherwise writes noon as "0:00 pm".
const dateTime = lazyFormat({ day: 'numeric', month: 'long', year: 'numeric', hour: 'numeric', minute: '2-digit', hourCycle: 'h12' });
const dateOnly = lazyFormat({ day: 'numeric', month: 'short', year: 'numeric' });
const timeOnly = lazyFormat({ hour: 'numeric', minute: '2-digit', hourCycle: 'h12' });

/** GOV.UK style: "2:05pm", and "midday" and "midnight" rather than 12:00pm and 12:00am. */
function clockTime(parts: Record<string, string>): string {
  if (parts.hour === '12' && parts.minute === '00') return parts.dayPeriod?.toLowerCase() === 'am' ? 'midnight' : 'midday';
  return `${parts.hour}:${parts.minute}${(parts.dayPeriod ?? '').toLowerCase()}`;
}
const partsOf = (format: Intl.DateTimeFormat, at: string | number) =>
  Object.fromEntries(format.formatToParts(new Date(at)).map((p) => [p.type, p.value]));

/** GOV.UK style: "4 March 2026 at 2:05pm" (UK time). */
export function when(iso: string): string {
  const parts = partsOf(dateTime(), iso);
  return `${parts.day} ${parts.month} ${parts.year} at ${clockTime(parts)}`;
}

export const shortDate = (iso: string | number) => dateOnly().format(new Date(iso));

/** "2:05pm" (UK time). */
export const shortTime = (iso: string | number) => clockTime(partsOf(timeOnly(), iso));

export const STAGE_LABELS: Record<Stage, string> = {
  draft: 'Draft',
  scoping: 'Scoping',
  forming: 'Forming the consortium',
  market_engagement: 'Market engagement',
  procurement: 'Procurement',
  awarded: 'Awarded',
  delivery: 'Delivery',
  closed: 'Closed',
  cancelled: 'Cancelled',
};

/** GOV.UK tag colours by stage (text is always there too: colour never carries meaning alone). */
export const STAGE_TAG: Record<Stage, string> = {
  draft: 'govuk-tag--grey',
  scoping: 'govuk-tag--light-blue',
  forming: 'govuk-tag--blue',
  market_engagement: 'govuk-tag--purple',
  procurement: 'govuk-tag--pink',
  awarded: 'govuk-tag--turquoise',
  delivery: 'govuk-tag--green',
  closed: 'govuk-tag--grey',
  cancelled: 'govuk-tag--red',
};

export const ROLE_LABELS: Record<MemberRole, string> = { lead: 'Lead', partner: 'Partner', observer: 'Observer' };

export const STATUS_LABELS: Record<MemberStatus, string> = {
  invited: 'Invited',
  requested: 'Asked to join',
  active: 'Active',
  declined: 'Declined',
  withdrawn: 'Withdrawn',
};

export const STATUS_TAG: Record<MemberStatus, string> = {
  invited: 'govuk-tag--yellow',
  requested: 'govuk-tag--yellow',
  active: 'govuk-tag--green',
  declined: 'govuk-tag--grey',
  withdrawn: 'govuk-tag--grey',
};

export const ENTRY_LABELS: Record<LedgerEntryType, string> = {
  pledge: 'Pledge',
  commitment: 'Commitment',
  receipt: 'Receipt',
  cost: 'Cost',
  cost_reversal: 'Cost reversal',
};

export const BASIS_LABELS: Record<string, string> = {
  equal: 'equal shares',
  population: 'by population',
  pledge: 'by pledges',
  custom: 'custom shares',
};

export const PROCUREMENT_LABELS: Record<string, string> = {
  undecided: 'Not decided yet',
  sbri: 'SBRI',
  innovation_partnership: 'Innovation partnership',
  competitive_flexible: 'Competitive flexible procedure',
  open: 'Open procedure',
  framework_call_off: 'Framework call-off',
  direct_award: 'Direct award',
};
