/** Activity: the challenge's events addressed to the caller's council, newest first, in words. */
import type { ChallengeState } from '../../domain/records';
import type { HubEvent } from '../../schemas/events';
import { listEvents } from '../../store/challenges';
import { councilsIn, describeEvent } from '../activity-words';
import { insetText, pagination } from '../components';
import { when } from '../format';
import { html } from '../html';
import { challengeHeader, councilNames, nameOf, type Page, type PageInput } from './common';

export const ACTIVITY_PAGE_SIZE = 50;

export async function activityPage(state: ChallengeState, input: PageInput): Promise<Page> {
  const id = state.challenge.id;
  const council = input.session.caller.council;
  // Events are numbered without gaps, so the newest page is a seq range read: flat at any length.
  const last = state.challenge.seq;
  const before = Math.min(last + 1, Math.max(1, Number.parseInt(input.query.get('before') ?? '', 10) || last + 1));
  const after = Math.max(0, before - 1 - ACTIVITY_PAGE_SIZE);
  const events = (await listEvents(id, after, before - 1 - after)).filter((e: HubEvent) => council !== undefined && e.audience.includes(council)).reverse();
  const names = await councilNames([...events.flatMap(councilsIn), ...(council ? [council] : [])]);
  const name = (code: string) => nameOf(names, code);
  return {
    title: `Activity – ${state.challenge.title}`,
    errors: [],
    names,
    backLink: { href: '/', text: 'Your challenges' },
    body: html`${challengeHeader(state, 'activity', 'Activity', input, [])}
<p class="govuk-body">What happened, newest first: the events the hub sent to your council. The same events reach councils’ own systems by webhook, event bus or the API’s feed.</p>
${events.length
  ? html`<ol class="hub-activity" reversed start="${events[0]!.seq}">${events.map((e) => html`<li class="hub-activity__item" value="${e.seq}"><p class="govuk-body hub-activity__text">${describeEvent(e, name) ?? e.type}</p><p class="govuk-body-s hub-activity__meta"><time datetime="${e.occurredAt}">${when(e.occurredAt)}</time> · event ${e.seq}</p></li>`)}</ol>`
  : insetText('Nothing addressed to your council yet.')}
${pagination(after > 0 ? `/challenges/${id}/activity?before=${after + 1}` : undefined, before <= last ? { href: `/challenges/${id}/activity`, text: 'Newest events' } : undefined, 'Older events')}`,
  };
}
