import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  DELIVERY_FAILURE_REASON_DIMENSION,
  DELIVERY_FAILURE_REASONS,
  METRIC,
  METRIC_DEFAULT_DIMENSIONS,
  METRIC_NAMESPACE,
} from '../../shared/metric-names';

/** The CDK context key: `alarmEmails: ["ops@council.gov.uk", ...]`, who is emailed when an alarm changes state. */
export const ALARM_EMAILS_CONTEXT = 'alarmEmails';

const EMAIL_PATTERN = /^[^@\s,;"<>]+@[^@\s,;"<>]+\.[^@\s,;"<>]+$/;

/**
 * Reads the `alarmEmails` context value: an array (cdk.json), a JSON array string or a
 * comma-separated list (`cdk deploy -c alarmEmails=a@x.gov.uk,b@x.gov.uk`). Absent or
 * empty means no subscriber (the topic is still there for SMS, chat or a pager to join).
 * A malformed address fails the synth: an operator must never believe alarms reach
 * someone they do not.
 */
export function parseAlarmEmails(value: unknown): string[] {
  if (value === undefined || value === null || value === '') return [];
  let list: unknown = value;
  if (typeof value === 'string') {
    const text = value.trim();
    if (text.startsWith('[')) {
      try {
        list = JSON.parse(text);
      } catch {
        throw new Error(`${ALARM_EMAILS_CONTEXT}: not JSON: ${value}`);
      }
    } else {
      list = text.split(',').map((part) => part.trim());
    }
  }
  if (!Array.isArray(list)) throw new Error(`${ALARM_EMAILS_CONTEXT}: expected a list of email addresses`);
  const seen = new Set<string>();
  return list.map((entry: unknown, i) => {
    if (typeof entry !== 'string' || !EMAIL_PATTERN.test(entry)) {
      throw new Error(`${ALARM_EMAILS_CONTEXT}[${i}]: not an email address: ${JSON.stringify(entry)}`);
    }
    if (seen.has(entry.toLowerCase())) throw new Error(`${ALARM_EMAILS_CONTEXT}[${i}]: listed twice: ${entry}`);
    seen.add(entry.toLowerCase());
    return entry;
  });
}

/** The 5xx alarm: this many server errors in five minutes (one 503 under contention is not an incident). */
export const API_5XX_THRESHOLD = 5;
/** The delivery failure-rate alarm: above this percentage of webhook attempts failing ... */
export const DELIVERY_FAILURE_RATE_PERCENT = 25;
/** ... over three consecutive five-minute periods, each with at least this many attempts. */
export const DELIVERY_MIN_ATTEMPTS = 10;

export interface OperationsProps {
  api: HttpApi;
  /** Every Lambda of the hub: their errors go on the dashboard. */
  functions: readonly lambda.IFunction[];
  /** The fan-out's work queues by role: the age of their oldest message. */
  workQueues: Record<string, sqs.IQueue>;
  /** Every dead-letter queue by role: their depths. */
  deadLetterQueues: Record<string, sqs.IQueue>;
  /** Alarms made elsewhere (the DLQ alarms): they get the same actions. */
  alarms: readonly cloudwatch.Alarm[];
  /** Email subscribers of the alarm topic (context `alarmEmails`). */
  alarmEmails: readonly string[];
}

/**
 * What an operator needs: one SNS topic every alarm notifies (on ALARM and back to OK),
 * the alarms that are not a queue's (API 5xx, webhook delivery failure rate), and one
 * dashboard with the API, the functions, the queues and the business figures the code
 * emits (shared/metric-names.ts).
 */
export class Operations extends Construct {
  readonly alarmTopic: sns.Topic;
  readonly alarmTopicKey: kms.Key;
  readonly apiServerErrorsAlarm: cloudwatch.Alarm;
  readonly deliveryFailureRateAlarm: cloudwatch.Alarm;
  /** Every alarm of the hub, each notifying alarmTopic. */
  readonly alarms: cloudwatch.Alarm[];
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    ({ topic: this.alarmTopic, key: this.alarmTopicKey } = this.topic(props.alarmEmails));

    const stackName = Stack.of(this).stackName;
    this.apiServerErrorsAlarm = new cloudwatch.Alarm(this, 'Api5xxAlarm', {
      alarmName: `${stackName}-Api-5xx`,
      alarmDescription: `council-hub API answered ${API_5XX_THRESHOLD} or more 5xx in five minutes: see the functions' errors and logs on the dashboard.`,
      metric: props.api.metricServerError({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
      threshold: API_5XX_THRESHOLD,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const deliveries = deliveryMetrics(Duration.minutes(5));
    this.deliveryFailureRateAlarm = new cloudwatch.Alarm(this, 'DeliveryFailureRateAlarm', {
      alarmName: `${stackName}-Webhook-failure-rate`,
      alarmDescription:
        `council-hub webhook attempts failing above ${DELIVERY_FAILURE_RATE_PERCENT}% for 15 minutes (at least ${DELIVERY_MIN_ATTEMPTS} ` +
        'attempts per 5 minutes): see DeliveriesFailed by reason on the dashboard and the delivery log of the subscriptions concerned.',
      metric: deliveries.failureRate,
      threshold: DELIVERY_FAILURE_RATE_PERCENT,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.alarms = [...props.alarms, this.apiServerErrorsAlarm, this.deliveryFailureRateAlarm];
    const action = new SnsAction(this.alarmTopic);
    for (const alarm of this.alarms) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }

    this.dashboard = this.operationsDashboard(props);
  }

  /**
   * The alarm topic, encrypted with its own key (AWS's managed SNS key does not let
   * CloudWatch publish), TLS-only, and publishable by this account's alarms.
   */
  private topic(emails: readonly string[]): { topic: sns.Topic; key: kms.Key } {
    const stack = Stack.of(this);
    // Named, so the key policy can name the topic without a reference cycle (topic -> key -> topic).
    const topicName = `${stack.stackName}-alarms`;
    const topicArn = stack.formatArn({ service: 'sns', resource: topicName });
    const key = new kms.Key(this, 'AlarmTopicKey', {
      description: 'council-hub: encrypts the alarm topic',
      enableKeyRotation: true,
      // Nothing outlives the topic: its messages are delivered and gone.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublishToTheAlarmTopic',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        // SNS puts the topic's ARN in the encryption context: the key serves this topic only.
        conditions: { StringEquals: { 'kms:EncryptionContext:aws:sns:topicArn': topicArn } },
      }),
    );

    const topic = new sns.Topic(this, 'AlarmTopic', {
      topicName,
      displayName: 'council-hub alarms',
      masterKey: key,
      enforceSSL: true,
    });
    // A topic policy replaces SNS's default one: let this account's CloudWatch alarms publish.
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );
    for (const email of emails) topic.addSubscription(new subscriptions.EmailSubscription(email));
    return { topic, key };
  }

  private operationsDashboard(props: OperationsProps): cloudwatch.Dashboard {
    const period = Duration.minutes(5);
    const { api } = props;
    const business = (metricName: string, label: string) => hubMetric(metricName, period, label);
    const deliveries = deliveryMetrics(period);
    const wide = 12;
    const height = 6;

    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${Stack.of(this).stackName}-operations`,
      defaultInterval: Duration.hours(6),
    });
    dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown:
          '# council-hub\nAPI, functions, event fan-out queues and the business figures the code emits ' +
          `(namespace \`${METRIC_NAMESPACE}\`, shared/metric-names.ts). Every alarm below notifies the alarm topic.`,
        width: wide,
        height,
      }),
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: wide, height }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'API requests and errors',
        left: [
          api.metricCount({ period, statistic: cloudwatch.Stats.SUM, label: 'requests' }),
          api.metricClientError({ period, statistic: cloudwatch.Stats.SUM, label: '4xx' }),
          api.metricServerError({ period, statistic: cloudwatch.Stats.SUM, label: '5xx' }),
        ],
        leftAnnotations: [{ value: API_5XX_THRESHOLD, label: '5xx alarm', color: cloudwatch.Color.RED }],
        width: wide,
        height,
      }),
      new cloudwatch.GraphWidget({
        title: 'API latency (ms)',
        left: ['p50', 'p90', 'p99'].map((p) => api.metricLatency({ period, statistic: p, label: p })),
        right: [api.metricIntegrationLatency({ period, statistic: 'p99', label: 'integration p99' })],
        width: wide,
        height,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Lambda errors',
        left: props.functions.map((fn) =>
          fn.metricErrors({ period, statistic: cloudwatch.Stats.SUM, label: fn.node.id }),
        ),
        stacked: true,
        width: wide,
        height,
      }),
      new cloudwatch.GraphWidget({
        title: 'Dead-letter queue depths',
        left: Object.entries(props.deadLetterQueues).map(([role, queue]) =>
          queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM, label: role }),
        ),
        right: Object.entries(props.workQueues).map(([role, queue]) =>
          queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM, label: `${role} oldest (s)` }),
        ),
        width: wide,
        height,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Webhook deliveries by outcome',
        left: [deliveries.succeeded, ...deliveries.failedByReason],
        stacked: true,
        width: wide,
        height,
      }),
      new cloudwatch.AlarmWidget({ title: 'Webhook delivery failure rate (%)', alarm: this.deliveryFailureRateAlarm, width: wide, height }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Costs recorded',
        left: [business(METRIC.costsRecorded, 'costs recorded')],
        right: [business(METRIC.costPence, 'pence (net of reversals)')],
        width: wide,
        height,
      }),
      new cloudwatch.GraphWidget({
        title: 'Writes: conflicts, marker resolutions, replays',
        left: [
          business(METRIC.writeConflicts, 'write conflicts'),
          business(METRIC.writeOutcomesResolvedByMarker, 'resolved by write marker'),
          business(METRIC.replays, 'replays'),
        ],
        width: wide,
        height,
      }),
    );
    return dashboard;
  }
}

/** A business metric as Powertools publishes it: namespace CouncilHub, dimension service=council-hub, summed. */
function hubMetric(metricName: string, period: Duration, label: string, dimensions: Record<string, string> = {}): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRIC_NAMESPACE,
    metricName,
    dimensionsMap: { ...METRIC_DEFAULT_DIMENSIONS, ...dimensions },
    statistic: cloudwatch.Stats.SUM,
    period,
    label,
  });
}

/**
 * Webhook attempts: succeeded, failed by reason (the closed list, since an alarm cannot
 * search dimension values), and the failure rate as metric math, 0 while there are fewer
 * than DELIVERY_MIN_ATTEMPTS attempts (two failures of three are not an outage).
 */
function deliveryMetrics(period: Duration) {
  const succeeded = hubMetric(METRIC.deliveriesSucceeded, period, 'succeeded');
  const failedByReason = DELIVERY_FAILURE_REASONS.map((reason) =>
    hubMetric(METRIC.deliveriesFailed, period, `failed: ${reason}`, { [DELIVERY_FAILURE_REASON_DIMENSION]: reason }),
  );
  const failedIds = failedByReason.map((_, i) => `failed${i}`);
  const failed = failedIds.map((id) => `FILL(${id}, 0)`).join(' + ');
  const failureRate = new cloudwatch.MathExpression({
    label: 'failure rate (%)',
    expression: `IF((${failed}) + FILL(succeeded, 0) >= ${DELIVERY_MIN_ATTEMPTS}, 100 * (${failed}) / ((${failed}) + FILL(succeeded, 0)), 0)`,
    usingMetrics: { succeeded, ...Object.fromEntries(failedByReason.map((metric, i) => [failedIds[i]!, metric])) },
    period,
  });
  return { succeeded, failedByReason, failureRate };
}
