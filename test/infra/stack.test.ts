import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { POWERTOOLS_VERSION } from '../../infra/constructs/hub-function';
import type { App, CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../infra/app';
import type { HubStack } from '../../infra/hub-stack';
import { GROUPS } from '../../shared/auth';
import { routeKey, routeList } from '../../shared/routes';
import { CORS } from '../../shared/http/cors';
import { tableDefinition } from '../../shared/store/table';
import { cdkJsonContext, SYNTH_TIMEOUT_MS } from './cdk-context';

type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string; UpdateReplacePolicy?: string };

let app: App;
let stack: HubStack;
let template: Template;

const distinctFns = [...new Set(routeList.map((r) => r.fn))];
const logicalIdOf = (fn: string) => stack.getLogicalId(stack.functions[fn]!.node.defaultChild as CfnElement);
const resources = (type: string) => template.findResources(type) as Record<string, Resource>;
const only = (type: string): [string, Resource] => {
  const entries = Object.entries(resources(type));
  expect(entries, type).toHaveLength(1);
  return entries[0]!;
};

beforeAll(() => {
  // Nag has its own test (nag.test.ts); this one looks at the template only.
  ({ app, stack } = buildApp({ context: cdkJsonContext(), nag: false }));
  template = Template.fromStack(stack);
}, SYNTH_TIMEOUT_MS);

describe('the table, built from shared/store/table.ts', () => {
  it('has the keys, indexes, stream and TTL of tableDefinition', () => {
    const keys = (pk: string, sk: string) => [
      { AttributeName: pk, KeyType: 'HASH' },
      { AttributeName: sk, KeyType: 'RANGE' },
    ];
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: keys(tableDefinition.partitionKey, tableDefinition.sortKey),
      GlobalSecondaryIndexes: tableDefinition.indexes.map((index) => ({
        IndexName: index.name,
        KeySchema: keys(index.partitionKey, index.sortKey),
        Projection: { ProjectionType: 'ALL' },
      })),
      StreamSpecification: { StreamViewType: tableDefinition.streamViewType },
      TimeToLiveSpecification: { AttributeName: tableDefinition.timeToLiveAttribute, Enabled: true },
      BillingMode: 'PAY_PER_REQUEST',
    });
  });

  it('is protected: point-in-time recovery, deletion protection, encryption, retained', () => {
    const [, table] = only('AWS::DynamoDB::Table');
    expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(table.Properties.DeletionProtectionEnabled).toBe(true);
    expect(table.Properties.SSESpecification).toMatchObject({ SSEEnabled: true });
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.UpdateReplacePolicy).toBe('Retain');
  });
});

describe('the user pool', () => {
  it('has no self sign-up, a strong password policy, MFA and the council attribute', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: Match.anyValue(),
      Policies: { PasswordPolicy: Match.objectLike({ RequireSymbols: true, RequireNumbers: true }) },
      Schema: Match.arrayWith([
        Match.objectLike({
          Name: 'council',
          AttributeDataType: 'String',
          Mutable: true,
          StringAttributeConstraints: Match.objectLike({ MaxLength: '9' }),
        }),
      ]),
    });
  });

  it('has the groups the API checks', () => {
    const names = Object.values(resources('AWS::Cognito::UserPoolGroup')).map((g) => g.Properties.GroupName);
    expect(names.sort()).toEqual([...GROUPS].sort());
    expect(names).toEqual(expect.arrayContaining(['officer', 'finance', 'hub-admin']));
  });

  it('has a public app client that cannot write custom:council', () => {
    const [, client] = only('AWS::Cognito::UserPoolClient');
    expect(client.Properties.GenerateSecret).toBe(false);
    expect(client.Properties.ExplicitAuthFlows).toEqual(expect.arrayContaining(['ALLOW_USER_SRP_AUTH']));
    expect(client.Properties.ReadAttributes).toContain('custom:council');
    expect(client.Properties.WriteAttributes).not.toContain('custom:council');
  });
});

describe('the HTTP API, built from shared/routes.ts', () => {
  it('has a JWT authorizer on the user pool, with the app client as audience', () => {
    const [, authorizer] = only('AWS::ApiGatewayV2::Authorizer');
    expect(authorizer.Properties.AuthorizerType).toBe('JWT');
    const { Audience, Issuer } = authorizer.Properties.JwtConfiguration;
    expect(Audience).toEqual([{ Ref: stack.getLogicalId(stack.userPoolClient.node.defaultChild as CfnElement) }]);
    expect(JSON.stringify(Issuer)).toContain('https://cognito-idp.');
    expect(JSON.stringify(Issuer)).toContain(stack.getLogicalId(stack.userPool.node.defaultChild as CfnElement));
  });

  it('has exactly one route per route-table entry', () => {
    const keys = Object.values(resources('AWS::ApiGatewayV2::Route')).map((r) => r.Properties.RouteKey);
    expect(keys.sort()).toEqual(routeList.map(routeKey).sort());
  });

  it('puts the JWT authorizer on every authenticated route and on none of the others', () => {
    const [authorizerId] = only('AWS::ApiGatewayV2::Authorizer');
    const byKey = new Map(Object.values(resources('AWS::ApiGatewayV2::Route')).map((r) => [r.Properties.RouteKey, r]));
    for (const route of routeList) {
      const props = byKey.get(routeKey(route))!.Properties;
      if (route.auth) {
        expect(props, routeKey(route)).toMatchObject({ AuthorizationType: 'JWT', AuthorizerId: { Ref: authorizerId } });
      } else {
        expect(props.AuthorizationType ?? 'NONE', routeKey(route)).toBe('NONE');
        expect(props.AuthorizerId, routeKey(route)).toBeUndefined();
      }
    }
    // api.md: every /v1 route is authenticated, and only those.
    for (const route of routeList) expect(route.auth, routeKey(route)).toBe(route.path.startsWith('/v1/'));
    // The pages check their own cookie session (shared/web/session.ts), so API Gateway lets them through.
    const pages = (r: (typeof routeList)[number]) => r.fn === 'web' || r.fn === 'sign-in';
    const publicKeys = routeList.filter((r) => !r.auth && !pages(r)).map(routeKey).sort();
    expect(publicKeys).toEqual(['GET /docs', 'GET /docs/{asset}', 'GET /health', 'GET /openapi.json']);
    expect(routeList.filter(pages).every((r) => !r.auth && r.openApi === false && !r.path.startsWith('/v1/'))).toBe(true);
  });

  it("integrates every route with the function of its fn", () => {
    const integrations = resources('AWS::ApiGatewayV2::Integration');
    const byKey = new Map(Object.values(resources('AWS::ApiGatewayV2::Route')).map((r) => [r.Properties.RouteKey, r]));
    for (const route of routeList) {
      const target = byKey.get(routeKey(route))!.Properties.Target;
      const integrationId = target['Fn::Join'][1][1].Ref as string;
      expect(integrations[integrationId]?.Properties, routeKey(route)).toMatchObject({
        IntegrationType: 'AWS_PROXY',
        PayloadFormatVersion: '2.0',
        IntegrationUri: { 'Fn::GetAtt': [logicalIdOf(route.fn), 'Arn'] },
      });
    }
  });

  it('answers CORS preflight itself, for the headers the API uses', () => {
    const [, api] = only('AWS::ApiGatewayV2::Api');
    const cors = api.Properties.CorsConfiguration;
    expect(cors.AllowHeaders).toEqual(expect.arrayContaining(['Authorization', 'Content-Type', 'Idempotency-Key', 'If-Match']));
    expect(cors.ExposeHeaders).toEqual(expect.arrayContaining(['ETag', 'Location', 'Idempotent-Replayed']));
  });

  it('takes its CORS from shared/http/cors.ts, the constant the local adapter answers from', () => {
    const [, api] = only('AWS::ApiGatewayV2::Api');
    expect(api.Properties.CorsConfiguration).toEqual({
      AllowOrigins: [...CORS.allowOrigins],
      AllowMethods: [...CORS.allowMethods],
      AllowHeaders: [...CORS.allowHeaders],
      ExposeHeaders: [...CORS.exposeHeaders],
      MaxAge: CORS.maxAgeSeconds,
    });
    // A browser reading a 429/503 needs Retry-After exposed to it.
    expect(api.Properties.CorsConfiguration.ExposeHeaders).toContain('Retry-After');
  });

  it('logs access on the default stage and throttles it', () => {
    const [, stage] = only('AWS::ApiGatewayV2::Stage');
    expect(stage.Properties.StageName).toBe('$default');
    expect(stage.Properties.AccessLogSettings.DestinationArn['Fn::GetAtt'][0]).toMatch(/AccessLogs/);
    expect(JSON.parse(stage.Properties.AccessLogSettings.Format)).toMatchObject({ requestId: '$context.requestId' });
    expect(stage.Properties.DefaultRouteSettings).toMatchObject({
      ThrottlingRateLimit: expect.any(Number),
      ThrottlingBurstLimit: expect.any(Number),
    });
  });
});

describe('the functions', () => {
  it('include one per distinct fn of the route table', () => {
    expect(Object.keys(stack.functions)).toEqual(expect.arrayContaining(distinctFns));
    const apiFunctions = new Set(distinctFns.map(logicalIdOf));
    expect(apiFunctions.size).toBe(distinctFns.length);
    for (const id of apiFunctions) expect(resources('AWS::Lambda::Function')[id], id).toBeDefined();
  });

  it('all run Node.js 22 on arm64 with active tracing, source maps and an explicit log group with retention', () => {
    const logGroups = resources('AWS::Logs::LogGroup');
    for (const [id, fn] of Object.entries(resources('AWS::Lambda::Function'))) {
      expect(fn.Properties, id).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        Handler: 'index.handler',
        MemorySize: 1024,
        Timeout: 29,
        Environment: {
          Variables: expect.objectContaining({
            POWERTOOLS_SERVICE_NAME: 'council-hub',
            POWERTOOLS_METRICS_NAMESPACE: 'CouncilHub',
            POWERTOOLS_LOG_LEVEL: 'INFO',
            NODE_OPTIONS: '--enable-source-maps',
          }),
        },
      });
      const logGroupId = fn.Properties.LoggingConfig?.LogGroup?.Ref as string;
      expect(logGroups[logGroupId]?.Properties.RetentionInDays, id).toBeGreaterThan(0);
    }
  });

  it('load Powertools from the AWS layer at the version in the lockfile (it is not bundled)', () => {
    const parameters = template.toJSON().Parameters as Record<string, { Default?: string }>;
    const layerParameter = Object.entries(parameters).find(([, p]) =>
      p.Default === `/aws/service/powertools/typescript/generic/all/${POWERTOOLS_VERSION}`,
    );
    expect(layerParameter, 'SSM parameter for the Powertools layer').toBeDefined();
    for (const [id, fn] of Object.entries(resources('AWS::Lambda::Function'))) {
      expect(fn.Properties.Layers, id).toEqual([{ Ref: layerParameter![0] }]);
    }
  });

  it('use roles without AWS managed policies, writing only to their own log group', () => {
    const roles = resources('AWS::IAM::Role');
    const policies = Object.values(resources('AWS::IAM::Policy'));
    for (const fn of Object.values(stack.functions)) {
      const roleId = stack.getLogicalId(fn.role!.node.defaultChild as CfnElement);
      expect(roles[roleId]?.Properties.ManagedPolicyArns, fn.fn).toBeUndefined();
      const logStatements = policies
        .filter((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleId))
        .flatMap((p) => p.Properties.PolicyDocument.Statement)
        .filter((st: { Action: string | string[] }) => [st.Action].flat().some((a) => a.startsWith('logs:')));
      const logGroupId = stack.getLogicalId(fn.logGroup.node.defaultChild as CfnElement);
      expect(logStatements.map((st: { Resource: unknown }) => st.Resource), fn.fn).toEqual([
        { 'Fn::GetAtt': [logGroupId, 'Arn'] },
      ]);
    }
  });

  it('read and write the table (never scan), except system, which has no table access, and ocds, which only reads', () => {
    const policies = Object.values(resources('AWS::IAM::Policy'));
    const actionsOf = (fn: string) => {
      const roleId = stack.getLogicalId(stack.functions[fn]!.role!.node.defaultChild as CfnElement);
      return policies
        .filter((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleId))
        .flatMap((p) => p.Properties.PolicyDocument.Statement.flatMap((s: { Action: string | string[] }) => s.Action));
    };
    const variables = (fn: string) => resources('AWS::Lambda::Function')[logicalIdOf(fn)]!.Properties.Environment.Variables;
    for (const fn of distinctFns) {
      const actions = actionsOf(fn);
      expect(actions, fn).not.toContain('dynamodb:Scan');
      if (fn === 'system') {
        expect(actions.filter((a: string) => a.startsWith('dynamodb:')), fn).toEqual([]);
        expect(variables(fn).TABLE_NAME, fn).toBeUndefined();
      } else if (fn === 'ocds') {
        // Publication only reads: no POST, so no idempotency records either.
        expect(actions, fn).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem']));
        expect(actions.filter((a: string) => /^dynamodb:(Put|Update|Delete|BatchWrite)/.test(a)), fn).toEqual([]);
      } else {
        expect(actions, fn).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem']));
        expect(variables(fn).TABLE_NAME, fn).toEqual({ Ref: stack.getLogicalId(stack.table.node.defaultChild as CfnElement) });
      }
    }
  });

  it('are bundled as minified ESM with a source map, and system carries the swagger-ui assets', () => {
    const assetDir = (fn: string) => {
      const key = resources('AWS::Lambda::Function')[logicalIdOf(fn)]!.Properties.Code.S3Key as string;
      return join(app.outdir, `asset.${key.replace(/\.zip$/, '')}`);
    };
    for (const fn of distinctFns) {
      const dir = assetDir(fn);
      const code = readFileSync(join(dir, 'index.mjs'), 'utf8');
      expect(code.startsWith("import { createRequire } from 'module'"), fn).toBe(true);
      expect(existsSync(join(dir, 'index.mjs.map')), fn).toBe(true);
    }
    const system = assetDir('system');
    expect(existsSync(join(system, 'docs-assets', 'swagger-ui.css'))).toBe(true);
    expect(existsSync(join(system, 'docs-assets', 'swagger-ui-bundle.js'))).toBe(true);
    expect(existsSync(join(system, 'docs-assets', 'openapi.json'))).toBe(true); // the document it serves (docs/openapi.json)
    const variables = resources('AWS::Lambda::Function')[logicalIdOf('system')]!.Properties.Environment.Variables;
    expect(variables.DOCS_ASSETS_DIR).toBe('/var/task/docs-assets');
  });
});

describe('the event bus', () => {
  it('is named council-hub and archived for a year', () => {
    const [busId, bus] = only('AWS::Events::EventBus');
    expect(bus.Properties.Name).toBe('council-hub');
    const [, archive] = only('AWS::Events::Archive');
    expect(archive.Properties).toMatchObject({ RetentionDays: 365, SourceArn: { 'Fn::GetAtt': [busId, 'Arn'] } });
  });
});

describe('operations with cdk.json as it is', () => {
  it('has the alarm topic and the dashboard, and no email subscriber until alarmEmails names one', () => {
    expect(cdkJsonContext().alarmEmails).toEqual([]);
    only('AWS::SNS::Topic');
    only('AWS::CloudWatch::Dashboard');
    expect(Object.keys(resources('AWS::SNS::Subscription'))).toEqual([]);
  });
});

describe('the outputs', () => {
  it('name what a client or operator needs', () => {
    const outputs = Object.keys(template.findOutputs('*'));
    expect(outputs).toEqual(
      expect.arrayContaining(['ApiUrl', 'UserPoolId', 'UserPoolClientId', 'TableName', 'EventBusName', 'AlarmTopicArn', 'DashboardName']),
    );
  });
});

describe('the ocds function', () => {
  it('takes its publication settings from the `ocds` context', async () => {
    const { ocdsEnvironment } = await import('../../infra/hub-stack');
    expect(ocdsEnvironment({ prefix: 'ocds-abc123', publisherName: 'West Midlands councils' })).toEqual({
      OCDS_PREFIX: 'ocds-abc123',
      OCDS_PUBLISHER_NAME: 'West Midlands councils',
    });
    expect(ocdsEnvironment('{"prefix":"ocds-x1"}')).toEqual({ OCDS_PREFIX: 'ocds-x1' });
    expect(ocdsEnvironment(undefined)).toEqual({});
    expect(() => ocdsEnvironment({ prefx: 'typo' })).toThrow(/unknown/);
  });
});

describe('the pages (shared/route-groups/web.ts)', () => {
  it('sign in through the managed login: code flow only, back to the API’s own callback and sign-out pages', () => {
    const [, client] = only('AWS::Cognito::UserPoolClient');
    expect(client.Properties).toMatchObject({
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: expect.arrayContaining(['openid', 'email', 'profile']),
      SupportedIdentityProviders: ['COGNITO'],
    });
    const apiId = stack.getLogicalId(stack.api.node.defaultChild as CfnElement);
    const urls = JSON.stringify([client.Properties.CallbackURLs, client.Properties.LogoutURLs]);
    expect(urls).toContain(apiId);
    expect(JSON.stringify(client.Properties.CallbackURLs)).toContain('/sign-in/callback');
    expect(JSON.stringify(client.Properties.LogoutURLs)).toContain('/sign-out');
    const [, domain] = only('AWS::Cognito::UserPoolDomain');
    expect(domain.Properties.ManagedLoginVersion).toBe(2);
    const [, branding] = only('AWS::Cognito::ManagedLoginBranding');
    expect(branding.Properties.UseCognitoProvidedValues).toBe(true);
  });

  it('give the page functions the pool, the client and the login domain, and no secret', () => {
    for (const fn of ['web', 'sign-in']) {
      const variables = resources('AWS::Lambda::Function')[logicalIdOf(fn)]!.Properties.Environment.Variables;
      expect(Object.keys(variables), fn).toEqual(expect.arrayContaining(['WEB_SIGN_IN', 'WEB_ISSUER', 'WEB_CLIENT_ID', 'WEB_LOGIN_DOMAIN']));
      expect(variables.WEB_SIGN_IN, fn).toBe('cognito');
      // Local sign-in is for the local hub only: no JWKS or key in a deployed function's settings.
      expect(Object.keys(variables).filter((k) => /LOCAL|SECRET|KEY/.test(k)), fn).toEqual([]);
    }
  });

  it('carry govuk-frontend’s assets and the hub’s own as files beside the web bundle, never in it', () => {
    const key = resources('AWS::Lambda::Function')[logicalIdOf('web')]!.Properties.Code.S3Key as string;
    const dir = join(app.outdir, `asset.${key.replace(/\.zip$/, '')}`);
    for (const file of ['govuk/govuk-frontend.min.css', 'govuk/govuk-frontend.min.js', 'govuk/assets/fonts/bold-b542beb274-v2.woff2', 'hub/hub.css', 'hub/hub.js']) {
      expect(existsSync(join(dir, 'web-assets', file)), file).toBe(true);
    }
    expect(resources('AWS::Lambda::Function')[logicalIdOf('web')]!.Properties.Environment.Variables.WEB_ASSETS_DIR).toBe('/var/task/web-assets');
    expect(readFileSync(join(dir, 'index.mjs'), 'utf8')).not.toContain('.govuk-header');
  });
});
