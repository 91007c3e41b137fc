/**
 * HTML (and inline SVG) built with one tagged template that escapes every value
 * it is given, unless the value is already markup (`SafeHtml`). Pages never
 * concatenate strings into markup, so nothing a council typed can become a tag.
 */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type Html = SafeHtml;
type Part = SafeHtml | string | number | boolean | null | undefined | readonly Part[];

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/** Markup the caller vouches for (built by `html` itself, or a constant). */
export const raw = (markup: string) => new SafeHtml(markup);

function render(part: Part): string {
  if (part === null || part === undefined || part === false || part === true) return '';
  if (part instanceof SafeHtml) return part.value;
  if (Array.isArray(part)) return (part as readonly Part[]).map(render).join('');
  return escapeHtml(String(part));
}

export function html(strings: TemplateStringsArray, ...values: Part[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? '');
  return new SafeHtml(out);
}

/** `true` → the attribute, else nothing: `<input${attr('checked', on)}>`. */
export const attr = (name: string, on: boolean) => raw(on ? ` ${name}` : '');
