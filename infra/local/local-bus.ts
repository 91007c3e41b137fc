/**
 * The local hub's event bus: answers PutEvents as EventBridge does (so the publisher's
 * handler runs unchanged against it) and routes each event to the targets of the rules
 * whose pattern matches, with the same patterns the CDK rules use (events/rules.ts),
 * matched by events/match.ts.
 */
import { randomUUID } from 'node:crypto';
import type { PutEventsCommand, PutEventsResultEntry } from '@aws-sdk/client-eventbridge';
import { type BusEvent, type EventPattern, matchesPattern } from '../../events/match';
import type { PutEventsClient } from '../../shared/fanout/publisher';

/** An event as EventBridge hands it to a target (an SQS queue gets exactly this JSON). */
export interface DeliveredBusEvent extends BusEvent {
  version: '0';
  id: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
}

export interface LocalRule {
  name: string;
  pattern: EventPattern;
  target: (event: DeliveredBusEvent) => Promise<void>;
}

export class LocalBus implements PutEventsClient {
  constructor(
    readonly name: string,
    private readonly rules: readonly LocalRule[],
  ) {}

  async send(command: PutEventsCommand) {
    const Entries: PutEventsResultEntry[] = [];
    for (const entry of command.input.Entries ?? []) {
      const refused = (ErrorCode: string, ErrorMessage: string) => Entries.push({ ErrorCode, ErrorMessage });
      if (entry.EventBusName !== this.name) {
        refused('ResourceNotFoundException', `Event bus ${entry.EventBusName} does not exist.`);
        continue;
      }
      if (!entry.Source || !entry.DetailType || !entry.Detail) {
        refused('InvalidArgument', 'Source, DetailType and Detail are required.');
        continue;
      }
      let detail: unknown;
      try {
        detail = JSON.parse(entry.Detail);
      } catch {
        refused('MalformedDetail', 'Detail is not valid JSON.');
        continue;
      }
      const event: DeliveredBusEvent = {
        version: '0',
        id: randomUUID(),
        'detail-type': entry.DetailType,
        source: entry.Source,
        account: '000000000000',
        time: (entry.Time ?? new Date()).toISOString(),
        region: process.env.AWS_REGION ?? 'eu-west-2',
        resources: entry.Resources ?? [],
        detail,
      };
      try {
        // EventBridge accepts the event and delivers to targets on its own; locally the
        // targets are in-process queues, so delivering is just enqueueing.
        for (const rule of this.rules) if (matchesPattern(rule.pattern, event)) await rule.target(event);
        Entries.push({ EventId: event.id });
      } catch (error) {
        refused('InternalFailure', (error as Error).message);
      }
    }
    return { FailedEntryCount: Entries.filter((e) => e.ErrorCode).length, Entries };
  }
}
