/**
 * The event fan-out as deployed (infra/constructs/event-fanout.ts): stream source,
 * bus and archive, rules, queues, dead-letter queues and their alarms, and cdk-nag,
 * synthesised once with two councils' buses configured for cross-account delivery.
 */
import type { App, CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app';
import type { HubStack } from '../../infra/hub-stack';
import { allHubEventsPattern, councilAudiencePattern, outboxStreamFilter, webhookDispatchPattern } from '../../events/rules';
import { publisherStreamSettings } from '../../shared/fanout/stream-settings';
import { awsSolutionsFindings, cdkJsonContext, SYNTH_TIMEOUT_MS } from './cdk-context';

type Resource = { Type: string; Properties: Record<string, any> };

const councilEventBuses = [
  { council: 'E08000026', eventBusArn: 'arn:aws:events:eu-west-2:111122223333:event-bus/coventry-hub-events' },
  { council: 'E09000033', eventBusArn: 'arn:aws:events:eu-west-2:444455556666:event-bus/default' },
];

let app: App;
let stack: HubStack;
let template: Template;
let nagFindings: string[];

const resources = (type: string) => template.findResources(type) as Record<string, Resource>;
const logicalId = (construct: { node: { defaultChild?: unknown } } | CfnElement) =>
  stack.getLogicalId(('node' in construct && construct.node.defaultChild ? construct.node.defaultChild : construct) as CfnElement);
const arnOf = (construct: { node: { defaultChild?: unknown } }) => ({ 'Fn::GetAtt': [logicalId(construct), 'Arn'] });

beforeAll(() => {
  ({ app, stack } = buildApp({
    // Context as `cdk deploy -c councilEventBuses='[...]'` would pass it: a JSON string.
    context: { ...cdkJsonContext(), councilEventBuses: JSON.stringify(councilEventBuses), '@aws-cdk/core:failSynthOnValidationErrors': false },
    nag: true,
  }));
  const assembly = app.synth();
  template = Template.fromStack(stack);
  nagFindings = awsSolutionsFindings(assembly.directory);
}, SYNTH_TIMEOUT_MS);

describe('publishing: the table stream to the bus', () => {
  it('maps the table stream to the publisher, filtered to inserted event items, failures reported per record', () => {
    const mappings = Object.values(resources('AWS::Lambda::EventSourceMapping')).filter((m) => m.Properties.StartingPosition);
    expect(mappings).toHaveLength(1);
    expect(mappings[0]!.Properties).toEqual({
      EventSourceArn: { 'Fn::GetAtt': [logicalId(stack.table), 'StreamArn'] },
      FunctionName: { Ref: logicalId(stack.fanout.publisher) },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: publisherStreamSettings.batchSize,
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: publisherStreamSettings.retryAttempts,
      ParallelizationFactor: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify(outboxStreamFilter) }] },
      DestinationConfig: { OnFailure: { Destination: arnOf(stack.fanout.deadLetterQueues.Publisher!) } },
      Tags: expect.any(Array),
    });
  });

  it('lets the publisher put events on the hub bus, each council rule on its council bus, and nothing else anywhere', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('stream'),
      Environment: { Variables: Match.objectLike({ EVENT_BUS_NAME: { Ref: logicalId(stack.bus) } }) },
    });
    const puts = Object.values(resources('AWS::IAM::Policy')).flatMap((p) =>
      (p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>)
        .filter((s) => [s.Action].flat().includes('events:PutEvents'))
        .map((s) => ({ roles: p.Properties.Roles, resource: s.Resource })),
    );
    expect(puts).toEqual([
      { roles: [{ Ref: logicalId(stack.fanout.publisher.role as never) }], resource: arnOf(stack.bus) },
      ...councilEventBuses.map(({ eventBusArn }) => ({ roles: [{ Ref: expect.stringContaining('RuleEventsRole') }], resource: eventBusArn })),
    ]);
  });

  it('keeps the bus named council-hub with its archive', () => {
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'council-hub' });
    template.hasResourceProperties('AWS::Events::Archive', { SourceArn: arnOf(stack.bus), RetentionDays: 365 });
  });
});

describe('rules from events/rules.ts', () => {
  const rules = () => Object.values(resources('AWS::Events::Rule'));

  it('sends every hub event to the dispatch queue, with a dead-letter queue for what the bus cannot deliver', () => {
    expect(webhookDispatchPattern).toEqual(allHubEventsPattern);
    const [dispatch] = rules().filter((r) => JSON.stringify(r.Properties.EventPattern) === JSON.stringify(webhookDispatchPattern));
    expect(dispatch!.Properties).toMatchObject({
      EventBusName: { Ref: logicalId(stack.bus) },
      State: 'ENABLED',
      Targets: [{ Arn: arnOf(stack.fanout.dispatchQueue), DeadLetterConfig: { Arn: arnOf(stack.fanout.deadLetterQueues.Dispatch!) } }],
    });
  });

  it("gives each configured council a rule on its audience to its own bus, each with its own dead-letter queue", () => {
    const crossAccount = rules().filter((r) => r.Properties.EventPattern?.detail?.audience);
    expect(crossAccount).toHaveLength(councilEventBuses.length);
    const dlqs = new Set<string>();
    for (const { council, eventBusArn } of councilEventBuses) {
      const rule = crossAccount.find((r) => r.Properties.EventPattern.detail.audience[0] === council)!;
      expect(rule.Properties.EventPattern).toEqual(councilAudiencePattern(council));
      expect(rule.Properties.EventBusName).toEqual({ Ref: logicalId(stack.bus) });
      const [target] = rule.Properties.Targets as Array<{ Arn: string; RoleArn: unknown; DeadLetterConfig: { Arn: { 'Fn::GetAtt': [string, string] } } }>;
      expect(target!.Arn).toBe(eventBusArn);
      expect(target!.RoleArn).toBeDefined();
      dlqs.add(target!.DeadLetterConfig.Arn['Fn::GetAtt'][0]);
    }
    expect(dlqs.size).toBe(councilEventBuses.length);
  });

  it('refuses a malformed councilEventBuses context at synth', () => {
    expect(() => buildApp({ context: { councilEventBuses: [{ council: 'E08000026', eventBusArn: 'arn:aws:sqs:eu-west-2:1:q' }] }, nag: false })).toThrow(/eventBusArn/);
  });
});

describe('queues, dead-letter queues and alarms', () => {
  const queues = () => resources('AWS::SQS::Queue');

  it('dispatch and delivery queues feed their functions in batches with per-message failures, and redrive to a DLQ after 5 receives', () => {
    for (const [queue, fn, dlq] of [
      [stack.fanout.dispatchQueue, stack.fanout.dispatcher, stack.fanout.deadLetterQueues.Dispatch!],
      [stack.fanout.deliveryQueue, stack.fanout.deliverer, stack.fanout.deadLetterQueues.Delivery!],
    ] as const) {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: arnOf(queue),
        FunctionName: { Ref: logicalId(fn) },
        BatchSize: 10,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
      expect(queues()[logicalId(queue)]!.Properties).toMatchObject({
        RedrivePolicy: { deadLetterTargetArn: arnOf(dlq), maxReceiveCount: 5 },
        // 6x the function timeout (29 s): no message is received twice while a first run may still hold it.
        VisibilityTimeout: 174,
      });
    }
  });

  it('encrypts every queue and refuses it any request without TLS', () => {
    const all = Object.entries(queues());
    expect(all.length).toBe(5 + councilEventBuses.length);
    const policies = Object.values(resources('AWS::SQS::QueuePolicy'));
    for (const [id, queue] of all) {
      expect(queue.Properties.SqsManagedSseEnabled, id).toBe(true);
      const denies = policies
        .filter((p) => JSON.stringify(p.Properties.Queues) === JSON.stringify([{ Ref: id }]))
        .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<{ Effect: string; Condition?: unknown }>)
        .filter((s) => s.Effect === 'Deny');
      expect(denies, id).toContainEqual(expect.objectContaining({ Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    }
  });

  it('alarms on the first message in every dead-letter queue', () => {
    const dlqs = Object.values(stack.fanout.deadLetterQueues);
    expect(dlqs).toHaveLength(3 + councilEventBuses.length);
    const alarms = Object.values(resources('AWS::CloudWatch::Alarm'));
    for (const dlq of dlqs) {
      const watching = alarms.filter((a) => JSON.stringify(a.Properties.Dimensions) === JSON.stringify([{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(dlq), 'QueueName'] } }]));
      expect(watching, dlq.node.path).toHaveLength(1);
      expect(watching[0]!.Properties).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Statistic: 'Maximum',
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
      });
    }
  });
});

describe('the functions', () => {
  const env = (fn: { node: { defaultChild?: unknown } }) =>
    (resources('AWS::Lambda::Function')[logicalId(fn)]!.Properties.Environment?.Variables ?? {}) as Record<string, unknown>;

  it('wire the deliverer to its queue and DLQ, the dispatcher to the delivery queue', () => {
    expect(env(stack.fanout.deliverer)).toMatchObject({
      DELIVERY_QUEUE_URL: { Ref: logicalId(stack.fanout.deliveryQueue) },
      DELIVERY_DLQ_URL: { Ref: logicalId(stack.fanout.deadLetterQueues.Delivery!) },
      TABLE_NAME: { Ref: logicalId(stack.table) },
    });
    expect(env(stack.fanout.dispatcher)).toMatchObject({ DELIVERY_QUEUE_URL: { Ref: logicalId(stack.fanout.deliveryQueue) } });
  });

  it('never run in local mode or with a shortened retry schedule, anywhere', () => {
    for (const fn of Object.values(resources('AWS::Lambda::Function'))) {
      const vars = Object.keys(fn.Properties.Environment?.Variables ?? {});
      expect(vars).not.toContain('WEBHOOK_URL_POLICY');
      expect(vars.filter((v) => v.startsWith('WEBHOOK_RETRY_SCHEDULE'))).toEqual([]);
    }
  });

  it('serve the subscription routes from their own function', () => {
    expect(stack.functions.subscriptions).toBeDefined();
  });

  it('let the subscriptions function queue replays on the delivery queue, and no other API function', () => {
    const subscriptions = stack.functions.subscriptions!;
    expect(env(subscriptions)).toMatchObject({ DELIVERY_QUEUE_URL: { Ref: logicalId(stack.fanout.deliveryQueue) } });
    const sendsToDelivery = (statement: { Action?: string | string[]; Resource?: unknown }) =>
      [statement.Action].flat().includes('sqs:SendMessage') && [statement.Resource].flat().some((r) => JSON.stringify(r) === JSON.stringify(arnOf(stack.fanout.deliveryQueue)));
    const rolesSending = Object.values(resources('AWS::IAM::Policy'))
      .filter((p) => (p.Properties.PolicyDocument.Statement as Array<{ Action?: string | string[]; Resource?: unknown }>).some(sendsToDelivery))
      .flatMap((p) => (p.Properties.Roles as Array<{ Ref: string }>).map((r) => r.Ref))
      .sort();
    const roleOf = (fn: { role?: unknown }) => logicalId(fn.role as never);
    expect(rolesSending).toEqual([roleOf(subscriptions), roleOf(stack.fanout.dispatcher), roleOf(stack.fanout.deliverer)].sort());
  });
});

describe('cdk-nag', () => {
  it('has no unacknowledged AwsSolutions finding, with the cross-account rules in place', () => {
    expect(nagFindings).toEqual([]);
  });
});
