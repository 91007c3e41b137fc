/**
 * GOV.UK Design System markup (govuk-frontend 6), written out as the components'
 * own templates render it, for the few components the pages use. This is not a
 * GOV.UK service, so there is no crown or GOV.UK header: the service navigation
 * carries the service's name.
 */
import { assetVersion } from './assets';
import { randomToken } from './session';
import { html, raw, type SafeHtml } from './html';

export const SERVICE_NAME = 'Council Collaboration Hub';
const asset = (name: string) => `/assets/${name}?${assetVersion()}`;

export interface FieldError {
  /** The field's id (the error summary links to it). */
  field: string;
  message: string;
}

/** A form the hub refused, shown again with its values and the hub's problem. */
export interface FormState {
  action: string;
  values: Record<string, string>;
  errors: FieldError[];
}

export interface Layout {
  title: string;
  /** Who is signed in (absent on the sign-in pages). */
  user?: { label: string; csrf: string } | undefined;
  /** Navigation: the current top-level item. */
  current?: 'home' | undefined;
  errors?: FieldError[] | undefined;
  body: SafeHtml;
  backLink?: { href: string; text: string } | undefined;
}

export function layout({ title, user, current, errors = [], body, backLink }: Layout): string {
  return `<!DOCTYPE html>${html`
<html lang="en" class="govuk-template">
<head>
<meta charset="utf-8">
<title>${errors.length ? 'Error: ' : ''}${title} – ${SERVICE_NAME}</title>
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="theme-color" content="#1d70b8">
<link rel="icon" href="${asset('hub-icon.svg')}" type="image/svg+xml">
<link rel="stylesheet" href="${asset('govuk-frontend.min.css')}">
<link rel="stylesheet" href="${asset('hub.css')}">
</head>
<body class="govuk-template__body">
<script src="${asset('hub-enabled.js')}"></script>
<a href="#main-content" class="govuk-skip-link" data-module="govuk-skip-link">Skip to main content</a>
<header class="govuk-template__header">
<section aria-label="Service information" class="govuk-service-navigation" data-module="govuk-service-navigation">
<div class="govuk-width-container">
<div class="govuk-service-navigation__container">
<span class="govuk-service-navigation__service-name"><a href="/" class="govuk-service-navigation__link">${SERVICE_NAME}</a></span>
${user
  ? html`<nav aria-label="Menu" class="govuk-service-navigation__wrapper">
<button type="button" class="govuk-service-navigation__toggle govuk-js-service-navigation-toggle" aria-controls="navigation" hidden aria-hidden="true">Menu</button>
<ul class="govuk-service-navigation__list" id="navigation">
<li class="govuk-service-navigation__item${current === 'home' ? ' govuk-service-navigation__item--active' : ''}"><a class="govuk-service-navigation__link" href="/"${raw(current === 'home' ? ' aria-current="page"' : '')}>${current === 'home' ? html`<strong class="govuk-service-navigation__active-fallback">Your challenges</strong>` : 'Your challenges'}</a></li>
<li class="govuk-service-navigation__item"><a class="govuk-service-navigation__link" href="/docs">API reference</a></li>
</ul>
</nav>`
  : ''}
</div>
</div>
</section>
${user
  ? html`<div class="govuk-width-container hub-user"><p class="govuk-body-s hub-user__name">Signed in as ${user.label}</p><form method="post" action="/sign-out" class="hub-user__sign-out"><input type="hidden" name="csrf" value="${user.csrf}"><button type="submit" class="govuk-button govuk-button--secondary hub-button--small" data-module="govuk-button">Sign out</button></form></div>`
  : ''}
</header>
<div class="govuk-width-container">
${backLink ? html`<nav aria-label="Back"><a href="${backLink.href}" class="govuk-back-link">${backLink.text}</a></nav>` : ''}
<main class="govuk-main-wrapper" id="main-content">
${body}
</main>
</div>
<footer class="govuk-footer">
<div class="govuk-width-container">
<div class="govuk-footer__meta">
<div class="govuk-footer__meta-item govuk-footer__meta-item--grow">
<h2 class="govuk-visually-hidden">Support links</h2>
<ul class="govuk-footer__inline-list">
<li class="govuk-footer__inline-list-item"><a class="govuk-footer__link" href="/docs">API reference</a></li>
<li class="govuk-footer__inline-list-item"><a class="govuk-footer__link" href="/openapi.json">OpenAPI document</a></li>
</ul>
<p class="govuk-body-s hub-footer__note">Money is shown in pounds and kept in whole pence; shares in percent, kept in basis points.</p>
</div>
</div>
</div>
</footer>
<script type="module" src="${asset('hub.js')}"></script>
</body>
</html>
`}`;
}

export function errorSummary(errors: readonly FieldError[]): SafeHtml {
  if (errors.length === 0) return raw('');
  return html`<div class="govuk-error-summary" data-module="govuk-error-summary"><div role="alert"><h2 class="govuk-error-summary__title">There is a problem</h2><div class="govuk-error-summary__body"><ul class="govuk-list govuk-error-summary__list">${errors.map((e) => html`<li><a href="#${e.field}">${e.message}</a></li>`)}</ul></div></div></div>`;
}

export function notification(text: string | undefined): SafeHtml {
  if (!text) return raw('');
  return html`<div class="govuk-notification-banner govuk-notification-banner--success" role="alert" aria-labelledby="govuk-notification-banner-title" data-module="govuk-notification-banner"><div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title" id="govuk-notification-banner-title">Success</h2></div><div class="govuk-notification-banner__content"><p class="govuk-notification-banner__heading">${text}</p></div></div>`;
}

export const tag = (text: string, colour: string) => html`<strong class="govuk-tag ${colour}">${text}</strong>`;

/** The hidden fields every form carries: the session's CSRF token and a fresh write id (its Idempotency-Key). */
export const formSecrets = (csrf: string, writeId = randomToken(18)) =>
  html`<input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="writeId" value="${writeId}">`;

export interface FieldOptions {
  id: string;
  name?: string;
  label: string;
  hint?: string;
  value?: string;
  errors?: readonly FieldError[];
  /** Extra input classes: width, e.g. govuk-input--width-10. */
  classes?: string;
  prefix?: string;
  inputmode?: string;
  autocomplete?: string;
  spellcheck?: boolean;
}

function fieldParts(o: Omit<FieldOptions, 'label'>) {
  const error = o.errors?.find((e) => e.field === o.id);
  const describedBy = [o.hint ? `${o.id}-hint` : '', error ? `${o.id}-error` : ''].filter(Boolean).join(' ');
  return {
    error,
    describedBy: describedBy ? raw(` aria-describedby="${describedBy}"`) : raw(''),
    group: error ? 'govuk-form-group govuk-form-group--error' : 'govuk-form-group',
    hint: o.hint ? html`<div id="${o.id}-hint" class="govuk-hint">${o.hint}</div>` : raw(''),
    message: error ? html`<p id="${o.id}-error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> ${error.message}</p>` : raw(''),
  };
}

export function input(o: FieldOptions): SafeHtml {
  const p = fieldParts(o);
  const box = html`<input class="govuk-input${o.classes ? ` ${o.classes}` : ''}${p.error ? ' govuk-input--error' : ''}" id="${o.id}" name="${o.name ?? o.id}" type="text" value="${o.value ?? ''}"${p.describedBy}${raw(o.inputmode ? ` inputmode="${o.inputmode}"` : '')}${raw(o.autocomplete ? ` autocomplete="${o.autocomplete}"` : '')}${raw(o.spellcheck === false ? ' spellcheck="false"' : '')}>`;
  return html`<div class="${p.group}"><label class="govuk-label" for="${o.id}">${o.label}</label>${p.hint}${p.message}${o.prefix ? html`<div class="govuk-input__wrapper"><div class="govuk-input__prefix" aria-hidden="true">${o.prefix}</div>${box}</div>` : box}</div>`;
}

export const moneyInput = (o: FieldOptions) => input({ inputmode: 'decimal', classes: 'govuk-input--width-10', prefix: '£', spellcheck: false, ...o });

export function textarea(o: FieldOptions & { rows?: number }): SafeHtml {
  const p = fieldParts(o);
  return html`<div class="${p.group}"><label class="govuk-label" for="${o.id}">${o.label}</label>${p.hint}${p.message}<textarea class="govuk-textarea${p.error ? ' govuk-textarea--error' : ''}" id="${o.id}" name="${o.name ?? o.id}" rows="${o.rows ?? 3}"${p.describedBy}>${o.value ?? ''}</textarea></div>`;
}

export function select(o: FieldOptions & { options: ReadonlyArray<{ value: string; text: string }> }): SafeHtml {
  const p = fieldParts(o);
  return html`<div class="${p.group}"><label class="govuk-label" for="${o.id}">${o.label}</label>${p.hint}${p.message}<select class="govuk-select${p.error ? ' govuk-select--error' : ''}" id="${o.id}" name="${o.name ?? o.id}"${p.describedBy}>${o.options.map((opt) => html`<option value="${opt.value}"${raw(opt.value === o.value ? ' selected' : '')}>${opt.text}</option>`)}</select></div>`;
}

export function radios(o: Omit<FieldOptions, 'label'> & { legend: string; options: ReadonlyArray<{ value: string; text: string; hint?: string }>; small?: boolean; inline?: boolean }): SafeHtml {
  const p = fieldParts(o);
  return html`<div class="${p.group}"><fieldset class="govuk-fieldset"${p.describedBy}><legend class="govuk-fieldset__legend govuk-fieldset__legend--s">${o.legend}</legend>${p.hint}${p.message}<div class="govuk-radios${o.small ? ' govuk-radios--small' : ''}${o.inline ? ' govuk-radios--inline' : ''}" data-module="govuk-radios">${o.options.map(
    (opt, i) => html`<div class="govuk-radios__item"><input class="govuk-radios__input" id="${i === 0 ? o.id : `${o.id}-${i + 1}`}" name="${o.name ?? o.id}" type="radio" value="${opt.value}"${raw(opt.value === o.value ? ' checked' : '')}${raw(opt.hint ? ` aria-describedby="${o.id}-${i + 1}-item-hint"` : '')}><label class="govuk-label govuk-radios__label" for="${i === 0 ? o.id : `${o.id}-${i + 1}`}">${opt.text}</label>${opt.hint ? html`<div id="${o.id}-${i + 1}-item-hint" class="govuk-hint govuk-radios__hint">${opt.hint}</div>` : ''}</div>`,
  )}</div></fieldset></div>`;
}

export function checkboxes(o: Omit<FieldOptions, 'label'> & { legend: string; options: ReadonlyArray<{ value: string; text: string; hint?: string }>; checked: readonly string[] }): SafeHtml {
  const p = fieldParts(o);
  return html`<div class="${p.group}"><fieldset class="govuk-fieldset"${p.describedBy}><legend class="govuk-fieldset__legend govuk-fieldset__legend--s">${o.legend}</legend>${p.hint}${p.message}<div class="govuk-checkboxes govuk-checkboxes--small" data-module="govuk-checkboxes">${o.options.map(
    (opt, i) => html`<div class="govuk-checkboxes__item"><input class="govuk-checkboxes__input" id="${i === 0 ? o.id : `${o.id}-${i + 1}`}" name="${o.name ?? o.id}" type="checkbox" value="${opt.value}"${raw(o.checked.includes(opt.value) ? ' checked' : '')}><label class="govuk-label govuk-checkboxes__label" for="${i === 0 ? o.id : `${o.id}-${i + 1}`}">${opt.text}</label>${opt.hint ? html`<div class="govuk-hint govuk-checkboxes__hint">${opt.hint}</div>` : ''}</div>`,
  )}</div></fieldset></div>`;
}

export const button = (text: SafeHtml | string, variant: '' | 'secondary' | 'warning' = '', extra = '') =>
  html`<button type="submit" class="govuk-button${variant ? ` govuk-button--${variant}` : ''}${extra ? ` ${extra}` : ''}" data-module="govuk-button" data-prevent-double-click="true">${text}</button>`;

export function summaryList(rows: ReadonlyArray<[string, SafeHtml | string]>): SafeHtml {
  return html`<dl class="govuk-summary-list">${rows.map(([key, value]) => html`<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${key}</dt><dd class="govuk-summary-list__value">${value}</dd></div>`)}</dl>`;
}

export interface Column {
  header: string;
  numeric?: boolean;
}

/** A GOV.UK table; wide ones scroll sideways inside a focusable region (so keyboards can scroll it too). */
export function table(o: { caption: string; captionClass?: string; columns: readonly Column[]; rows: ReadonlyArray<ReadonlyArray<SafeHtml | string>>; foot?: ReadonlyArray<SafeHtml | string>; id?: string; scroll?: boolean; small?: boolean }): SafeHtml {
  const cell = (c: Column | undefined, v: SafeHtml | string, tagName: 'td' | 'th' = 'td') =>
    tagName === 'th'
      ? html`<th scope="row" class="govuk-table__header${c?.numeric ? ' govuk-table__header--numeric' : ''}">${v}</th>`
      : html`<td class="govuk-table__cell${c?.numeric ? ' govuk-table__cell--numeric' : ''}">${v}</td>`;
  const t = html`<table class="govuk-table${o.small ? ' govuk-table--small-text-until-tablet hub-table--compact' : ''}"${raw(o.id ? ` id="${o.id}"` : '')}><caption class="govuk-table__caption ${o.captionClass ?? 'govuk-table__caption--m'}">${o.caption}</caption><thead class="govuk-table__head"><tr class="govuk-table__row">${o.columns.map((c) => html`<th scope="col" class="govuk-table__header${c.numeric ? ' govuk-table__header--numeric' : ''}">${c.header}</th>`)}</tr></thead><tbody class="govuk-table__body">${o.rows.map((r) => html`<tr class="govuk-table__row">${r.map((v, i) => cell(o.columns[i], v, i === 0 ? 'th' : 'td'))}</tr>`)}</tbody>${o.foot ? html`<tfoot><tr class="govuk-table__row hub-table__total">${o.foot.map((v, i) => cell(o.columns[i], v, i === 0 ? 'th' : 'td'))}</tr></tfoot>` : ''}</table>`;
  return o.scroll ? html`<div class="hub-scroll" role="region" aria-label="${o.caption}" tabindex="0">${t}</div>` : t;
}

export function pagination(next?: string, previous?: { href: string; text: string }, nextText = 'Next page'): SafeHtml {
  if (!next && !previous) return raw('');
  return html`<nav class="govuk-pagination govuk-pagination--block" aria-label="Pages">${previous ? html`<div class="govuk-pagination__prev"><a class="govuk-link govuk-pagination__link" href="${previous.href}" rel="prev"><svg class="govuk-pagination__icon govuk-pagination__icon--prev" xmlns="http://www.w3.org/2000/svg" height="13" width="15" aria-hidden="true" focusable="false" viewBox="0 0 15 13"><path d="m6.5938-0.0078125-6.7266 6.7266 6.7441 6.4062 1.377-1.449-4.1856-3.9768h12.896v-2h-12.984l4.2931-4.293-1.414-1.414z"></path></svg><span class="govuk-pagination__link-title">${previous.text}</span></a></div>` : ''}${next ? html`<div class="govuk-pagination__next"><a class="govuk-link govuk-pagination__link" href="${next}" rel="next"><svg class="govuk-pagination__icon govuk-pagination__icon--next" xmlns="http://www.w3.org/2000/svg" height="13" width="15" aria-hidden="true" focusable="false" viewBox="0 0 15 13"><path d="m8.107-0.0078125-1.4136 1.414 4.2926 4.293h-12.986v2h12.896l-4.1855 3.9766 1.377 1.4492 6.7441-6.4062-6.7246-6.7266z"></path></svg><span class="govuk-pagination__link-title">${nextText}</span></a></div>` : ''}</nav>`;
}

export const insetText = (text: SafeHtml | string) => html`<div class="govuk-inset-text">${text}</div>`;
export const warningText = (text: string) =>
  html`<div class="govuk-warning-text"><span class="govuk-warning-text__icon" aria-hidden="true">!</span><strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">Warning</span>${text}</strong></div>`;
