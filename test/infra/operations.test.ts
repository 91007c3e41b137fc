/**
 * What an operator gets (infra/constructs/operations.ts): the alarm topic and its email
 * subscribers from the `alarmEmails` context, an action on every alarm, the API 5xx and
 * webhook failure-rate alarms on the metrics the code emits (shared/metric-names.ts),
 * the dashboard, and cdk-nag still clean. Synthesised once, with the context as
 * `cdk deploy -c alarmEmails=... -c councilEventBuses=...` passes it.
 */
import type { App, CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app';
import { API_5XX_THRESHOLD, DELIVERY_FAILURE_RATE_PERCENT, parseAlarmEmails } from '../../infra/constructs/operations';
import type { HubStack } from '../../infra/hub-stack';
import {
  DELIVERY_FAILURE_REASON_DIMENSION,
  DELIVERY_FAILURE_REASONS,
  METRIC,
  METRIC_NAMESPACE,
  METRIC_SERVICE,
} from '../../shared/metric-names';
import { awsSolutionsFindings, cdkJsonContext, SYNTH_TIMEOUT_MS } from './cdk-context';

type Resource = { Type: string; Properties: Record<string, any> };
type Statement = { Sid?: string; Effect: string; Principal?: unknown; Action: string | string[]; Condition?: Record<string, unknown> };

const alarmEmails = ['duty-officer@birmingham.gov.uk', 'digital-ops@coventry.gov.uk'];
const councilEventBuses = [{ council: 'E08000026', eventBusArn: 'arn:aws:events:eu-west-2:111122223333:event-bus/coventry-hub-events' }];

let app: App;
let stack: HubStack;
let template: Template;
let nagFindings: string[];

const resources = (type: string) => template.findResources(type) as Record<string, Resource>;
const logicalId = (construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as CfnElement);
const topicRef = () => ({ Ref: logicalId(stack.operations.alarmTopic) });

/** The dashboard body with every `{Ref: X}` / `{Fn::GetAtt: [X, a]}` written as `${X}` / `${X.a}`, parsed. */
function dashboardBody(): { widgets: Array<{ type: string; properties: Record<string, any> }> } {
  const [dashboard] = Object.values(resources('AWS::CloudWatch::Dashboard'));
  const parts = dashboard!.Properties.DashboardBody['Fn::Join'][1] as unknown[];
  const text = parts
    .map((part) => {
      if (typeof part === 'string') return part;
      const p = part as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
      if (p.Ref) return `\${${p.Ref}}`;
      if (p['Fn::GetAtt']) return `\${${p['Fn::GetAtt'].join('.')}}`;
      throw new Error(`unexpected token in the dashboard body: ${JSON.stringify(part)}`);
    })
    .join('');
  return JSON.parse(text);
}

beforeAll(() => {
  ({ app, stack } = buildApp({
    context: {
      ...cdkJsonContext(),
      alarmEmails: alarmEmails.join(','),
      councilEventBuses: JSON.stringify(councilEventBuses),
      '@aws-cdk/core:failSynthOnValidationErrors': false,
    },
    nag: true,
  }));
  const assembly = app.synth();
  template = Template.fromStack(stack);
  nagFindings = awsSolutionsFindings(assembly.directory);
}, SYNTH_TIMEOUT_MS);

describe('the alarm topic', () => {
  it('is one topic, encrypted with its own rotating key, which CloudWatch may use for this topic only', () => {
    const topics = Object.values(resources('AWS::SNS::Topic'));
    expect(topics).toHaveLength(1);
    const keyId = logicalId(stack.operations.alarmTopicKey);
    expect(topics[0]!.Properties).toMatchObject({
      TopicName: 'CouncilHub-alarms',
      KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
    });
    const key = resources('AWS::KMS::Key')[keyId]!;
    expect(key.Properties.EnableKeyRotation).toBe(true);
    const forCloudWatch = (key.Properties.KeyPolicy.Statement as Statement[]).filter(
      (s) => JSON.stringify(s.Principal) === JSON.stringify({ Service: 'cloudwatch.amazonaws.com' }),
    );
    expect(forCloudWatch).toHaveLength(1);
    expect(forCloudWatch[0]).toMatchObject({ Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] });
    expect(JSON.stringify(forCloudWatch[0]!.Condition)).toContain('kms:EncryptionContext:aws:sns:topicArn');
    expect(JSON.stringify(forCloudWatch[0]!.Condition)).toContain(':CouncilHub-alarms');
  });

  it('refuses requests without TLS and lets this account’s alarms publish', () => {
    const [policy] = Object.values(resources('AWS::SNS::TopicPolicy'));
    expect(policy!.Properties.Topics).toEqual([topicRef()]);
    const statements = policy!.Properties.PolicyDocument.Statement as Statement[];
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      }),
    );
  });

  it('has one email subscription per address in the alarmEmails context', () => {
    const subscriptions = Object.values(resources('AWS::SNS::Subscription')).map((s) => s.Properties);
    expect(subscriptions).toHaveLength(alarmEmails.length);
    expect(subscriptions.map((s) => s.Endpoint).sort()).toEqual([...alarmEmails].sort());
    for (const s of subscriptions) expect(s).toMatchObject({ Protocol: 'email', TopicArn: topicRef() });
  });

  it('names itself in the outputs', () => {
    expect(template.findOutputs('AlarmTopicArn').AlarmTopicArn!.Value).toEqual(topicRef());
  });
});

describe('the alarms', () => {
  const alarms = () => Object.entries(resources('AWS::CloudWatch::Alarm'));

  it('every alarm in the stack notifies the topic when it fires and when it clears', () => {
    // 3 fan-out DLQs + 1 per council bus, the API 5xx and the delivery failure rate.
    expect(alarms()).toHaveLength(3 + councilEventBuses.length + 2);
    expect(stack.operations.alarms).toHaveLength(alarms().length);
    for (const [id, alarm] of alarms()) {
      expect(alarm.Properties.AlarmActions, id).toEqual([topicRef()]);
      expect(alarm.Properties.OKActions, id).toEqual([topicRef()]);
      expect(alarm.Properties.AlarmDescription, id).toMatch(/^council-hub /);
    }
    // Named for the email subject an operator reads, one name each.
    const names = alarms().map(([, a]) => a.Properties.AlarmName as string);
    for (const name of names) expect(name).toMatch(/^CouncilHub-[A-Za-z0-9-]+$/);
    expect(new Set(names).size).toBe(names.length);
  });

  it('every dead-letter queue alarm is among them', () => {
    for (const dlq of Object.values(stack.fanout.deadLetterQueues)) {
      const watching = alarms().filter(([, a]) => JSON.stringify(a.Properties.Dimensions ?? []).includes(logicalId(dlq)));
      expect(watching, dlq.node.path).toHaveLength(1);
    }
  });

  it('alarms on 5xx from the HTTP API', () => {
    const alarm = resources('AWS::CloudWatch::Alarm')[logicalId(stack.operations.apiServerErrorsAlarm)]!;
    expect(alarm.Properties).toMatchObject({
      Namespace: 'AWS/ApiGateway',
      MetricName: '5xx',
      Dimensions: [{ Name: 'ApiId', Value: { Ref: logicalId(stack.api) } }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: API_5XX_THRESHOLD,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  it('alarms on the webhook failure rate, computed from the metrics the deliverer emits, over every failure reason', () => {
    const alarm = resources('AWS::CloudWatch::Alarm')[logicalId(stack.operations.deliveryFailureRateAlarm)]!;
    expect(alarm.Properties).toMatchObject({
      Threshold: DELIVERY_FAILURE_RATE_PERCENT,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
    });
    const queries = alarm.Properties.Metrics as Array<{ Id: string; Expression?: string; ReturnData?: boolean; MetricStat?: any }>;
    const [expression] = queries.filter((q) => q.Expression);
    expect(expression!.ReturnData ?? true).toBe(true);
    const stats = queries.filter((q) => q.MetricStat).map((q) => ({ id: q.Id, ...q.MetricStat }));
    for (const q of stats) {
      expect(q.ReturnData).toBeUndefined();
      expect(q.Metric.Namespace).toBe(METRIC_NAMESPACE);
      expect(q.Stat).toBe('Sum');
      expect(expression!.Expression).toContain(q.id);
    }
    const dims = (q: (typeof stats)[number]) => Object.fromEntries((q.Metric.Dimensions as Array<{ Name: string; Value: string }>).map((d) => [d.Name, d.Value]));
    expect(stats.filter((q) => q.Metric.MetricName === METRIC.deliveriesSucceeded).map(dims)).toEqual([{ service: METRIC_SERVICE }]);
    expect(stats.filter((q) => q.Metric.MetricName === METRIC.deliveriesFailed).map(dims)).toEqual(
      DELIVERY_FAILURE_REASONS.map((reason) => ({ service: METRIC_SERVICE, [DELIVERY_FAILURE_REASON_DIMENSION]: reason })),
    );
  });

  it('the functions publish to the namespace and service the alarms read', () => {
    for (const [id, fn] of Object.entries(resources('AWS::Lambda::Function'))) {
      expect(fn.Properties.Environment.Variables, id).toMatchObject({
        POWERTOOLS_METRICS_NAMESPACE: METRIC_NAMESPACE,
        POWERTOOLS_SERVICE_NAME: METRIC_SERVICE,
      });
    }
  });
});

describe('the dashboard', () => {
  const metricsOf = (widgets: ReturnType<typeof dashboardBody>['widgets']) =>
    widgets.flatMap((w) => (w.properties.metrics ?? []) as unknown[][]).map((m) => m.filter((x) => typeof x === 'string') as string[]);
  const titles = () => dashboardBody().widgets.map((w) => w.properties.title as string | undefined);

  it('is one dashboard, named in the outputs', () => {
    const dashboards = Object.values(resources('AWS::CloudWatch::Dashboard'));
    expect(dashboards).toHaveLength(1);
    expect(dashboards[0]!.Properties.DashboardName).toBe('CouncilHub-operations');
    expect(template.findOutputs('DashboardName').DashboardName).toBeDefined();
  });

  it('shows the API’s requests, 5xx and latency', () => {
    const metrics = metricsOf(dashboardBody().widgets);
    for (const name of ['Count', '4xx', '5xx', 'Latency', 'IntegrationLatency']) {
      expect(metrics, name).toContainEqual(expect.arrayContaining(['AWS/ApiGateway', name, 'ApiId', `\${${logicalId(stack.api)}}`]));
    }
  });

  it('shows the errors of every function', () => {
    const metrics = metricsOf(dashboardBody().widgets).filter((m) => m[0] === 'AWS/Lambda' && m[1] === 'Errors');
    const functions = Object.keys(resources('AWS::Lambda::Function'));
    expect(metrics.map((m) => m[3]).sort()).toEqual(functions.map((id) => `\${${id}}`).sort());
  });

  it('shows the depth of every dead-letter queue', () => {
    const metrics = metricsOf(dashboardBody().widgets).filter((m) => m[1] === 'ApproximateNumberOfMessagesVisible');
    expect(metrics.map((m) => m[3]).sort()).toEqual(
      Object.values(stack.fanout.deadLetterQueues).map((q) => `\${${logicalId(q)}.QueueName}`).sort(),
    );
  });

  it('shows deliveries by outcome, costs recorded and their pence, conflicts, marker resolutions and replays', () => {
    const business = metricsOf(dashboardBody().widgets).filter((m) => m[0] === METRIC_NAMESPACE);
    for (const name of Object.values(METRIC)) {
      expect(business.filter((m) => m[1] === name).length, name).toBeGreaterThan(0);
      for (const m of business.filter((x) => x[1] === name)) {
        const dimensions = Object.fromEntries(m.slice(2).flatMap((v, i, all) => (i % 2 === 0 ? [[v, all[i + 1]]] : [])));
        expect(dimensions.service, name).toBe(METRIC_SERVICE);
      }
    }
    for (const reason of DELIVERY_FAILURE_REASONS) {
      expect(business, reason).toContainEqual(expect.arrayContaining([METRIC.deliveriesFailed, DELIVERY_FAILURE_REASON_DIMENSION, reason]));
    }
    expect(titles()).toEqual(
      expect.arrayContaining(['Webhook deliveries by outcome', 'Webhook delivery failure rate (%)', 'Costs recorded']),
    );
  });

  it('lists every alarm', () => {
    const status = dashboardBody().widgets.find((w) => w.properties.title === 'Alarms')!;
    expect((status.properties.alarms as string[]).length).toBe(stack.operations.alarms.length);
  });
});

describe('the alarmEmails context', () => {
  it('takes a list, a JSON list or a comma-separated string', () => {
    expect(parseAlarmEmails(undefined)).toEqual([]);
    expect(parseAlarmEmails('')).toEqual([]);
    expect(parseAlarmEmails([])).toEqual([]);
    expect(parseAlarmEmails(['a@x.gov.uk'])).toEqual(['a@x.gov.uk']);
    expect(parseAlarmEmails('["a@x.gov.uk","b@y.gov.uk"]')).toEqual(['a@x.gov.uk', 'b@y.gov.uk']);
    expect(parseAlarmEmails('a@x.gov.uk, b@y.gov.uk')).toEqual(['a@x.gov.uk', 'b@y.gov.uk']);
  });

  it('refuses what is not a list of distinct email addresses, naming the entry', () => {
    expect(() => parseAlarmEmails('[oops')).toThrow(/alarmEmails: not JSON/);
    expect(() => parseAlarmEmails({ email: 'a@x.gov.uk' })).toThrow(/alarmEmails/);
    expect(() => parseAlarmEmails(['a@x.gov.uk', 'not-an-address'])).toThrow(/alarmEmails\[1\]/);
    expect(() => parseAlarmEmails('a@x.gov.uk;b@y.gov.uk')).toThrow(/alarmEmails\[0\]/);
    expect(() => parseAlarmEmails(['a@x.gov.uk', 'A@x.gov.uk'])).toThrow(/listed twice/);
  });

  it('fails the synth when malformed', () => {
    expect(() => buildApp({ context: { alarmEmails: ['nobody'] }, nag: false })).toThrow(/alarmEmails\[0\]/);
  });
});

describe('cdk-nag', () => {
  it('has no unacknowledged AwsSolutions finding with the topic, key, subscriptions, alarms and dashboard in place', () => {
    expect(nagFindings).toEqual([]);
  });
});
