import { CfnOutput, Duration, Lazy, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { GROUPS } from '../shared/auth';
import { routeList } from '../shared/routes';
import { STAGE_THROTTLE } from '../shared/http/answers';
import { CORS } from '../shared/http/cors';
import { tableDefinition } from '../shared/store/table';
import { COUNCIL_EVENT_BUSES_CONTEXT, type CouncilEventBus, parseCouncilEventBuses } from '../events/rules';
import { EventFanout } from './constructs/event-fanout';
import { grantTableAccess, HubFunction } from './constructs/hub-function';
import { ALARM_EMAILS_CONTEXT, Operations, parseAlarmEmails } from './constructs/operations';

/** CDK context `ocds`: the publication settings of docs/ocds.md, e.g. `{"prefix": "ocds-abc123", "publisherName": "..."}`. */
export const OCDS_CONTEXT = 'ocds';
const OCDS_SETTING_NAMES = {
  prefix: 'OCDS_PREFIX',
  publisherName: 'OCDS_PUBLISHER_NAME',
  publisherUri: 'OCDS_PUBLISHER_URI',
  license: 'OCDS_LICENSE',
  publicationPolicy: 'OCDS_PUBLICATION_POLICY',
  baseUrl: 'OCDS_BASE_URL',
} as const;

/** The ocds function's environment from the context value (unset keys: the defaults in shared/domain/ocds.ts). */
export function ocdsEnvironment(context: unknown): Record<string, string> {
  const value = typeof context === 'string' ? (JSON.parse(context) as unknown) : context;
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object') throw new Error(`Context "${OCDS_CONTEXT}" must be an object of ${Object.keys(OCDS_SETTING_NAMES).join(', ')}`);
  const env: Record<string, string> = {};
  for (const [key, setting] of Object.entries(value as Record<string, unknown>)) {
    const name = OCDS_SETTING_NAMES[key as keyof typeof OCDS_SETTING_NAMES];
    if (!name || typeof setting !== 'string') throw new Error(`Context "${OCDS_CONTEXT}": unknown or non-text setting "${key}"`);
    env[name] = setting;
  }
  return env;
}

export interface HubStackProps extends StackProps {
  /** @default 'council-hub' */
  eventBusName?: string;
  /**
   * Browser origins allowed to call the API. Callers authenticate with a bearer
   * token, never a cookie, so a wildcard cannot ride on someone's session.
   * @default CORS.allowOrigins (shared/http/cors.ts): ['*']
   */
  corsAllowOrigins?: string[];
  /**
   * Councils' own event buses (other accounts) that receive the events addressed to them.
   * @default the `councilEventBuses` context value (docs/events.md), else none
   */
  councilEventBuses?: CouncilEventBus[];
  /**
   * Who is emailed when an alarm goes off (and when it clears).
   * @default the `alarmEmails` context value (a list, or comma-separated with `-c`), else nobody
   */
  alarmEmails?: string[];
  /**
   * The managed login domain's prefix (https://<prefix>.auth.<region>.amazoncognito.com), unique per region.
   * @default the `loginDomainPrefix` context value, else `council-hub-<account id>`
   */
  loginDomainPrefix?: string;
}

/** CDK context: the managed login domain's prefix (HubStackProps.loginDomainPrefix). */
export const LOGIN_DOMAIN_PREFIX_CONTEXT = 'loginDomainPrefix';

/** The functions behind the pages (shared/route-groups/web.ts): they check their own cookie session, not a bearer token. */
const PAGE_FUNCTIONS = new Set(['web', 'sign-in']);

/**
 * The deployed hub: one table, one user pool, one HTTP API whose routes and
 * functions come from the shared route table, the event bus (with its archive)
 * and the event fan-out: the outbox publisher, webhook delivery and cross-account
 * rules (constructs/event-fanout.ts); and what an operator watches: the alarm topic,
 * the alarms and the dashboard (constructs/operations.ts).
 */
export class HubStack extends Stack {
  readonly table: dynamodb.Table;
  readonly userPool: cognito.UserPool;
  readonly userPoolClient: cognito.UserPoolClient;
  /** The user pool's managed login: where the pages send people to sign in (code flow with PKCE). */
  readonly loginDomain: cognito.UserPoolDomain;
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly bus: events.EventBus;
  readonly fanout: EventFanout;
  readonly operations: Operations;
  /** One Lambda per distinct `fn` of the route table, keyed by `fn`. */
  readonly functions: Record<string, HubFunction> = {};

  constructor(scope: Construct, id: string, props: HubStackProps = {}) {
    super(scope, id, props);
    // Context first: a malformed value fails the synth before anything is bundled.
    const councilEventBuses = props.councilEventBuses ?? parseCouncilEventBuses(this.node.tryGetContext(COUNCIL_EVENT_BUSES_CONTEXT));
    const alarmEmails = props.alarmEmails ?? parseAlarmEmails(this.node.tryGetContext(ALARM_EMAILS_CONTEXT));

    this.table = this.hubTable();
    ({ userPool: this.userPool, client: this.userPoolClient, domain: this.loginDomain } = this.users(
      props.loginDomainPrefix ?? (this.node.tryGetContext(LOGIN_DOMAIN_PREFIX_CONTEXT) as string | undefined) ?? `council-hub-${this.account}`,
    ));
    ({ api: this.api, stage: this.stage } = this.httpApi(props.corsAllowOrigins ?? [...CORS.allowOrigins]));
    this.bus = this.eventBus(props.eventBusName ?? 'council-hub');
    this.fanout = new EventFanout(this, 'EventFanout', {
      table: this.table,
      bus: this.bus,
      councilEventBuses,
    });
    const { fanout } = this;
    // Replays queue webhook deliveries from the API (shared/fanout/replay.ts).
    fanout.allowDeliveries(this.functions.subscriptions!);
    this.operations = new Operations(this, 'Operations', {
      api: this.api,
      functions: [...Object.values(this.functions), fanout.publisher, fanout.dispatcher, fanout.deliverer],
      workQueues: { Dispatch: fanout.dispatchQueue, Delivery: fanout.deliveryQueue },
      deadLetterQueues: fanout.deadLetterQueues,
      alarms: fanout.dlqAlarms,
      alarmEmails,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.stage.url, description: 'Base URL of the HTTP API' });
    new CfnOutput(this, 'UserPoolId', { value: this.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.userPoolClient.userPoolClientId });
    new CfnOutput(this, 'PagesUrl', { value: `${this.apiBaseUrl()}/`, description: 'The pages: sign in here' });
    new CfnOutput(this, 'LoginDomain', { value: this.loginDomain.baseUrl(), description: 'The managed login the pages sign in through' });
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'EventBusName', { value: this.bus.eventBusName });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.operations.alarmTopic.topicArn, description: 'Every alarm notifies this topic' });
    new CfnOutput(this, 'DashboardName', { value: this.operations.dashboard.dashboardName });
  }

  /** The single table, built from the same definition the local hub creates its table from. */
  private hubTable(): dynamodb.Table {
    const key = (name: string) => ({ name, type: dynamodb.AttributeType.STRING });
    const table = new dynamodb.Table(this, 'Table', {
      partitionKey: key(tableDefinition.partitionKey),
      sortKey: key(tableDefinition.sortKey),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      stream: dynamodb.StreamViewType[tableDefinition.streamViewType],
      timeToLiveAttribute: tableDefinition.timeToLiveAttribute,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      // The ledger is the councils' financial record: recoverable to the second,
      // undeletable by accident, and kept if the stack goes.
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const index of tableDefinition.indexes) {
      table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: key(index.partitionKey),
        sortKey: key(index.sortKey),
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
    return table;
  }

  /** Council staff sign in here; the ID token carries `custom:council` and `cognito:groups`. */
  private users(domainPrefix: string): { userPool: cognito.UserPool; client: cognito.UserPoolClient; domain: cognito.UserPoolDomain } {
    const userPool = new cognito.UserPool(this, 'Users', {
      // Accounts are issued by hub admins for named council staff, never self-made.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      // These users move public money: a second factor always, by authenticator app
      // (no SMS, so no SNS role or toll-fraud exposure).
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      // Plus tier: threat protection blocks compromised-credential and risky sign-ins.
      featurePlan: cognito.FeaturePlan.PLUS,
      standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
      customAttributes: {
        // The caller's ONS GSS code (e.g. E08000025), always 9 characters. Mutable so
        // an admin can move a user between councils; the app client cannot write it.
        council: new cognito.StringAttribute({ minLen: 9, maxLen: 9, mutable: true }),
      },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // The groups the API checks (shared/auth.ts GROUPS is the one list).
    for (const groupName of GROUPS) {
      userPool.addGroup(`Group-${groupName}`, { groupName, description: `council-hub ${groupName}` });
    }

    const client = userPool.addClient('WebClient', {
      // A public client (browser, CLI): no secret it could not keep.
      generateSecret: false,
      // ID tokens via SRP, or username/password over TLS for scripted clients.
      authFlows: { userSrp: true, userPassword: true },
      preventUserExistenceErrors: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
      readAttributes: new cognito.ClientAttributes()
        .withStandardAttributes({ email: true, emailVerified: true, fullname: true })
        .withCustomAttributes('council'),
      // Users may not change their own council: that claim is what scopes every
      // authorisation decision, so only admins (AdminUpdateUserAttributes) set it.
      writeAttributes: new cognito.ClientAttributes().withStandardAttributes({ fullname: true }),
      // The pages sign in through the managed login: authorization code flow only (PKCE, which
      // the web function always sends; no implicit grant), back to the API's own pages.
      // The URLs name the HTTP API, made after this client: resolved when the template is written.
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
        callbackUrls: Lazy.list({ produce: () => [`${this.apiBaseUrl()}/sign-in/callback`] }),
        logoutUrls: Lazy.list({ produce: () => [`${this.apiBaseUrl()}/sign-out`] }),
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
    });
    const domain = userPool.addDomain('LoginDomain', {
      cognitoDomain: { domainPrefix },
      managedLoginVersion: cognito.ManagedLoginVersion.NEWER_MANAGED_LOGIN,
    });
    // Managed login (v2) shows a client's pages once it has a style: Cognito's own here.
    new cognito.CfnManagedLoginBranding(this, 'LoginBranding', {
      userPoolId: userPool.userPoolId,
      clientId: client.userPoolClientId,
      useCognitoProvidedValues: true,
    });
    return { userPool, client, domain };
  }

  /**
   * The HTTP API's base URL, built from its id as API Gateway builds its ApiEndpoint (a Ref,
   * not a GetAtt: the offline rehearsal's CloudFormation cannot resolve the attribute).
   */
  private apiBaseUrl(): string {
    const stack = Stack.of(this);
    return `https://${this.api.apiId}.execute-api.${stack.region}.${stack.urlSuffix}`;
  }

  /** The HTTP API, one route per route-table entry, one function per distinct `fn`. */
  private httpApi(corsAllowOrigins: string[]): { api: HttpApi; stage: HttpStage } {
    const api = new HttpApi(this, 'Api', {
      description: 'Council Collaboration Hub API',
      // The stage is created below, with access logs and throttling.
      createDefaultStage: false,
      // Preflight is answered by API Gateway itself: OPTIONS never reaches a function
      // or the authorizer. The headers are the ones the local adapter answers with
      // (shared/http/cors.ts), so a browser sees the same CORS deployed and locally.
      corsPreflight: {
        allowOrigins: corsAllowOrigins,
        allowMethods: CORS.allowMethods.map((method) => CorsHttpMethod[method]),
        allowHeaders: [...CORS.allowHeaders],
        exposeHeaders: [...CORS.exposeHeaders],
        maxAge: Duration.seconds(CORS.maxAgeSeconds),
      },
    });

    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', {
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const stage = new HttpStage(this, 'DefaultStage', {
      httpApi: api,
      stageName: '$default',
      autoDeploy: true,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            path: '$context.path',
            status: '$context.status',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationStatus: '$context.integrationStatus',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
            sub: '$context.authorizer.claims.sub',
          }),
        ),
      },
      // Account-level ceilings stay far higher; this keeps one noisy caller from
      // spending the whole account's Lambda concurrency.
      throttle: { ...STAGE_THROTTLE },
    });

    const authorizer = new HttpJwtAuthorizer(
      'CognitoJwt',
      `https://cognito-idp.${this.region}.amazonaws.com/${this.userPool.userPoolId}`,
      {
        // ID tokens: they carry custom:council and cognito:groups (access tokens do not).
        jwtAudience: [this.userPoolClient.userPoolClientId],
        identitySource: ['$request.header.Authorization'],
      },
    );

    const integrations = new Map<string, HttpLambdaIntegration>();
    for (const route of routeList) {
      let integration = integrations.get(route.fn);
      if (!integration) {
        const fn = new HubFunction(this, `Fn-${route.fn}`, {
          fn: route.fn,
          // The system routes (health, docs) serve swagger-ui from the bundle.
          docsAssets: route.fn === 'system',
          // The pages serve govuk-frontend's files from the bundle (never bundled into the code).
          webAssets: route.fn === 'web',
          ...(route.fn === 'ocds' ? { environment: ocdsEnvironment(this.node.tryGetContext(OCDS_CONTEXT)) } : {}),
          ...(PAGE_FUNCTIONS.has(route.fn) ? { environment: this.pagesEnvironment() } : {}),
        });
        // Every API function but `system` and the read-only `ocds` writes: at least its idempotency records.
        if (route.fn === 'ocds') grantTableAccess(fn, this.table, 'read');
        else if (route.fn !== 'system') grantTableAccess(fn, this.table, 'readWrite');
        this.functions[route.fn] = fn;
        integration = new HttpLambdaIntegration(`Integration-${route.fn}`, fn);
        integrations.set(route.fn, integration);
      }

      const [httpRoute] = api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration,
        ...(route.auth ? { authorizer } : {}),
      });
      if (!route.auth && httpRoute) {
        Validations.of(httpRoute).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: PAGE_FUNCTIONS.has(route.fn)
            ? `${route.method} ${route.path} is a page: the function checks its cookie session (a Cognito ID token, verified with aws-jwt-verify) and sends anyone without one to the managed login.`
            : `${route.method} ${route.path} is public by design (api.md): liveness and API documentation.`,
        });
      }
    }
    return { api, stage };
  }

  /**
   * What the pages' functions need to sign people in and check their session: the
   * pool's issuer, the app client and the managed login domain. No secret: the client
   * is public (PKCE) and the session is the pool's own signed ID token.
   */
  private pagesEnvironment(): Record<string, string> {
    return {
      WEB_SIGN_IN: 'cognito',
      WEB_ISSUER: `https://cognito-idp.${this.region}.amazonaws.com/${this.userPool.userPoolId}`,
      WEB_CLIENT_ID: this.userPoolClient.userPoolClientId,
      WEB_LOGIN_DOMAIN: this.loginDomain.baseUrl(),
    };
  }

  /** The bus hub events are published on; the archive lets any period be replayed. */
  private eventBus(eventBusName: string): events.EventBus {
    const bus = new events.EventBus(this, 'Bus', { eventBusName });
    bus.archive('Archive', {
      description: 'Every event on the council-hub bus, for replay',
      // Everything put on the bus from this account, i.e. all the hub's own events.
      eventPattern: { account: [this.account] },
      retention: Duration.days(365),
    });
    return bus;
  }
}
