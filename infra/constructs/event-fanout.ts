import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { councilAudiencePattern, type CouncilEventBus, outboxStreamFilter, webhookDispatchPattern } from '../../events/rules';
import { publisherStreamSettings } from '../../shared/fanout/stream-settings';
import { API_TIMEOUT, grantTableAccess, HubFunction } from './hub-function';

export interface EventFanoutProps {
  /** The hub's table: its stream carries the outbox's event items. */
  table: dynamodb.ITable;
  /** The hub's bus (it keeps the archive). */
  bus: events.IEventBus;
  /** Councils' own buses in their own accounts (context `councilEventBuses`, docs/events.md). */
  councilEventBuses?: readonly CouncilEventBus[];
}

/**
 * The fan-out's functions keep the hub's one timeout (29 s): ample for a batch, since the
 * deliverer's POSTs run side by side and each gets at most 15 s (shared/fanout/retry-schedule.ts).
 * AWS's advice for an SQS event source: visibility at least 6x the function timeout, so a
 * message is never received again while a first invocation may still be working on it.
 */
const QUEUE_VISIBILITY = Duration.seconds(API_TIMEOUT.toSeconds() * 6);
/** Receives of a failing message before its queue's DLQ takes it. */
const MAX_RECEIVE_COUNT = 5;

/**
 * The event fan-out on AWS (docs/events.md):
 *
 *   table stream --(event items only)--> publisher --PutEvents--> hub bus (+ archive)
 *   hub bus --rule: every hub event--> dispatch queue --> dispatcher
 *   dispatcher --one message per matching subscription--> delivery queue --> deliverer --> webhook
 *   hub bus --rule per council: audience includes it--> that council's bus (other account)
 *
 * Every queue and rule target has a dead-letter queue, and every dead-letter queue an
 * alarm that fires on its first message. The rule patterns and the stream filter come
 * from events/rules.ts, the same objects the local hub applies.
 */
export class EventFanout extends Construct {
  readonly publisher: HubFunction;
  readonly dispatcher: HubFunction;
  readonly deliverer: HubFunction;
  readonly dispatchQueue: sqs.Queue;
  readonly deliveryQueue: sqs.Queue;
  readonly webhookRule: events.Rule;
  /** By role: publisher, dispatch, delivery, and one per council bus. */
  readonly deadLetterQueues: Record<string, sqs.Queue> = {};
  readonly councilBusRules: events.Rule[] = [];
  /** One per dead-letter queue: ApproximateNumberOfMessagesVisible > 0. Their actions: constructs/operations.ts. */
  readonly dlqAlarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: EventFanoutProps) {
    super(scope, id);
    const { table, bus } = props;

    // 1. Publish: stream -> bus. Lambda's event source mapping filters, retries, bisects and dead-letters.
    const publisherDlq = this.deadLetterQueue('Publisher', 'Stream batches the publisher gave up on (shard and sequence numbers, not the records)');
    this.publisher = new HubFunction(this, 'Publisher', {
      fn: 'publisher',
      description: 'council-hub: table stream (event items) -> EventBridge bus',
      environment: { EVENT_BUS_NAME: bus.eventBusName },
    });
    bus.grantPutEventsTo(this.publisher);
    this.publisher.addEventSource(
      new DynamoEventSource(table, {
        // From the oldest record kept: events committed before the mapping existed are still published.
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: publisherStreamSettings.batchSize,
        retryAttempts: publisherStreamSettings.retryAttempts,
        bisectBatchOnError: publisherStreamSettings.bisectBatchOnError,
        reportBatchItemFailures: publisherStreamSettings.reportBatchItemFailures,
        // One batch per shard at a time: a challenge's events reach the bus in seq order of attempts.
        parallelizationFactor: 1,
        onFailure: new SqsDlq(publisherDlq),
        filters: [lambda.FilterCriteria.filter(outboxStreamFilter)],
      }),
    );
    Validations.of(this.publisher.role!).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Besides X-Ray, the DynamoDB stream event source needs dynamodb:ListStreams, which has no resource-level ' +
        'permissions; the stream reads themselves (GetRecords, GetShardIterator, DescribeStream) are scoped to the table stream.',
    });

    // 2. Dispatch: every hub event -> one delivery message per subscription that wants it.
    const dispatchDlq = this.deadLetterQueue('Dispatch', 'Hub events the bus could not enqueue, or the dispatcher failed 5 times');
    this.dispatchQueue = this.workQueue('Dispatch', dispatchDlq);
    const deliveryDlq = this.deadLetterQueue('Delivery', 'Webhook deliveries whose retries are spent (also shown as failed in the delivery log)');
    this.deliveryQueue = this.workQueue('Delivery', deliveryDlq);

    this.webhookRule = new events.Rule(this, 'WebhookDispatchRule', {
      eventBus: bus,
      description: 'Every hub event to the webhook dispatcher (events/rules.ts webhookDispatchPattern)',
      eventPattern: webhookDispatchPattern,
      // EventBridge retries delivery to the queue for 24 h (its default); what still fails goes to the DLQ.
      targets: [new targets.SqsQueue(this.dispatchQueue, { deadLetterQueue: dispatchDlq })],
    });

    this.dispatcher = new HubFunction(this, 'Dispatcher', {
      fn: 'dispatcher',
      description: 'council-hub: hub event -> one delivery per matching webhook subscription',
      environment: { DELIVERY_QUEUE_URL: this.deliveryQueue.queueUrl },
    });
    grantTableAccess(this.dispatcher, table, 'read');
    this.deliveryQueue.grantSendMessages(this.dispatcher);
    this.dispatcher.addEventSource(new SqsEventSource(this.dispatchQueue, { batchSize: 10, reportBatchItemFailures: true }));

    // 3. Deliver: POST, log, then retry (back onto the delivery queue), disable (410) or dead-letter.
    this.deliverer = new HubFunction(this, 'Deliverer', {
      fn: 'deliverer',
      description: 'council-hub: signed webhook POST with Standard Webhooks retries',
      environment: { DELIVERY_QUEUE_URL: this.deliveryQueue.queueUrl, DELIVERY_DLQ_URL: deliveryDlq.queueUrl },
    });
    // Reads the subscription, writes the delivery log and, on 410, disables the subscription.
    grantTableAccess(this.deliverer, table, 'readWrite');
    this.deliveryQueue.grantSendMessages(this.deliverer);
    deliveryDlq.grantSendMessages(this.deliverer);
    this.deliverer.addEventSource(new SqsEventSource(this.deliveryQueue, { batchSize: 10, reportBatchItemFailures: true }));

    // 4. Other accounts: a council's own bus receives exactly the events whose audience includes it.
    (props.councilEventBuses ?? []).forEach(({ council, eventBusArn }, i) => {
      const name = `Council${council}${i}`;
      const dlq = this.deadLetterQueue(name, `Events for ${council} that its bus (${eventBusArn}) did not accept`);
      const rule = new events.Rule(this, `${name}Rule`, {
        eventBus: bus,
        description: `Hub events whose audience includes ${council}, to its own bus`,
        eventPattern: councilAudiencePattern(council),
        targets: [
          new targets.EventBus(events.EventBus.fromEventBusArn(this, `${name}Bus`, eventBusArn), { deadLetterQueue: dlq }),
        ],
      });
      this.councilBusRules.push(rule);
    });
  }

  /**
   * An API function that queues webhook deliveries itself (subscriptions: replay and
   * enable with replayMissed): told the delivery queue, allowed to send to it, as the
   * dispatcher is. Its deliveries then retry and dead-letter like any other.
   */
  allowDeliveries(fn: HubFunction): void {
    fn.addEnvironment('DELIVERY_QUEUE_URL', this.deliveryQueue.queueUrl);
    this.deliveryQueue.grantSendMessages(fn);
  }

  /** A queue a function consumes, with its dead-letter queue after MAX_RECEIVE_COUNT failed receives. */
  private workQueue(name: string, deadLetterQueue: sqs.Queue): sqs.Queue {
    return new sqs.Queue(this, `${name}Queue`, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: QUEUE_VISIBILITY,
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT },
    });
  }

  /** A dead-letter queue (kept 14 days, SQS's longest) and the alarm on its first message. */
  private deadLetterQueue(name: string, holds: string): sqs.Queue {
    const queue = new sqs.Queue(this, `${name}DLQ`, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: `This queue is itself a dead-letter queue (${holds}); a DLQ of a DLQ would only move the problem. Its alarm fires on the first message.`,
    });
    this.deadLetterQueues[name] = queue;
    this.dlqAlarms.push(
      new cloudwatch.Alarm(this, `${name}DLQAlarm`, {
        // Named for the email subject an operator reads: "ALARM: CouncilHub-Delivery-DLQ".
        alarmName: `${Stack.of(this).stackName}-${name}-DLQ`,
        alarmDescription: `council-hub ${name} dead-letter queue has messages: ${holds}.`,
        metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
    return queue;
  }
}
