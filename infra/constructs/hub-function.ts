import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { CfnResource, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { type ICommandHooks, NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { METRIC_NAMESPACE, METRIC_SERVICE } from '../../shared/metric-names';
import { GOVUK_DIRS, GOVUK_FILES, HUB_FILES } from '../../shared/web/assets';
import { bundling } from '../bundling';

/** The repository root: entry points, the lock file and node_modules are found from here. */
export const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

/** API Gateway's HTTP API integration timeout is 30 s; answer (even with an error) before it. */
export const API_TIMEOUT = Duration.seconds(29);

/** Where the system function finds swagger-ui's files in its bundle (functions/system.ts reads it). */
const DOCS_ASSETS_DIR = 'docs-assets';
/** The swagger-ui-dist files the /docs page loads; functions/system.ts serves exactly these. */
const DOCS_ASSET_FILES = ['swagger-ui.css', 'swagger-ui-bundle.js'];

export interface HubFunctionProps {
  /** The entry point functions/<fn>.ts, which exports `handler`. */
  fn: string;
  description?: string;
  /** @default API_TIMEOUT (29 s) */
  timeout?: Duration;
  environment?: Record<string, string>;
  /**
   * Copy swagger-ui's assets into the bundle and point DOCS_ASSETS_DIR at them,
   * so the reference page is served by the hub itself (no CDN).
   */
  docsAssets?: boolean;
  /**
   * Copy govuk-frontend's CSS, fonts, images and JS and the hub's own page assets
   * into the bundle and point WEB_ASSETS_DIR at them (shared/web/assets.ts): the
   * pages' assets are served by the hub from files, never bundled, never a CDN.
   */
  webAssets?: boolean;
}

/**
 * Every hub Lambda: Node.js 22 on arm64, ESM bundle from the shared esbuild
 * settings, source maps on, X-Ray active (SDK subsegments with `sdkTracing`), Powertools configured, and its own
 * log group with a retention. Fixed here so no function can drift.
 */
export class HubFunction extends NodejsFunction {
  /** The entry point's name, functions/<fn>.ts. */
  readonly fn: string;

  constructor(scope: Construct, id: string, props: HubFunctionProps) {
    // Created before super() (which needs them), so they sit beside the function in the tree.
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: logs.RetentionDays.THREE_MONTHS,
      // Function logs are operational, not the record: the ledger lives in the (retained) table.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = HubFunction.executionRole(scope, `${id}Role`, logGroup);

    super(scope, id, {
      entry: join(projectRoot, 'functions', `${props.fn}.ts`),
      handler: 'handler',
      projectRoot,
      depsLockFilePath: join(projectRoot, 'package-lock.json'),
      description: props.description ?? `council-hub ${props.fn}`,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 1024,
      timeout: props.timeout ?? API_TIMEOUT,
      tracing: lambda.Tracing.ACTIVE,
      logGroup,
      role,
      bundling: props.docsAssets ? { ...bundling, commandHooks: copyDocsAssets } : props.webAssets ? { ...bundling, commandHooks: copyWebAssets } : bundling,
      layers: [powertoolsLayer(scope)],
      environment: {
        ...functionEnvironment({ sdkTracing: sdkTracingContext(scope) }),
        ...(props.docsAssets ? { DOCS_ASSETS_DIR: `/var/task/${DOCS_ASSETS_DIR}` } : {}),
        ...(props.webAssets ? { WEB_ASSETS_DIR: `/var/task/${WEB_ASSETS_DIR}` } : {}),
        ...props.environment,
      },
    });
    this.fn = props.fn;

    Validations.of(this).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Node.js 22 is pinned on purpose (an LTS runtime Lambda supports); moving to a newer runtime is a ' +
        'deliberate, tested upgrade of the whole hub, not something a new runtime release should trigger.',
    });
  }

  /**
   * Instead of the AWSLambdaBasicExecutionRole managed policy (which may write to
   * any log group), the role may write only to this function's own log group.
   */
  private static executionRole(scope: Construct, id: string, logGroup: logs.ILogGroup): iam.Role {
    const role = new iam.Role(scope, id, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Active X-Ray tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, which support no ' +
        'resource-level permissions, so Lambda grants them on "*".',
    });
    return role;
  }
}

/** CDK context: `-c sdkTracing=true` traces every DynamoDB call through the X-Ray SDK (see functionEnvironment). */
export const SDK_TRACING_CONTEXT = 'sdkTracing';

function sdkTracingContext(scope: Construct): boolean {
  const value: unknown = scope.node.tryGetContext(SDK_TRACING_CONTEXT);
  return value === true || value === 'true';
}

/**
 * The variables every hub function starts with (the cold-start bench uses the same).
 * Tracing is always active (the Lambda runtime records each invocation's segment);
 * `sdkTracing` adds the X-Ray SDK through Powertools Tracer (shared/observability.ts):
 * a subsegment per DynamoDB call and the ColdStart annotation, for a slower cold start
 * (README, Tests, budgets and benchmarks).
 */
export function functionEnvironment(options: { sdkTracing: boolean }): Record<string, string> {
  return {
    // The namespace and service dimension the alarms and dashboard read (shared/metric-names.ts).
    POWERTOOLS_SERVICE_NAME: METRIC_SERVICE,
    POWERTOOLS_METRICS_NAMESPACE: METRIC_NAMESPACE,
    POWERTOOLS_LOG_LEVEL: 'INFO',
    POWERTOOLS_TRACE_ENABLED: String(options.sdkTracing),
    NODE_OPTIONS: '--enable-source-maps',
  };
}

/** The Powertools version the code is written and tested against: the one installed from the lockfile. */
export const POWERTOOLS_VERSION = (
  JSON.parse(readFileSync(join(projectRoot, 'node_modules/@aws-lambda-powertools/commons/package.json'), 'utf8')) as {
    version: string;
  }
).version;

/**
 * AWS publishes the Powertools layer's ARN per release in a public SSM parameter;
 * resolving it at deploy time keeps synth offline and the layer at our exact version.
 * One layer construct per stack, shared by every function.
 */
function powertoolsLayer(scope: Construct): lambda.ILayerVersion {
  const stack = Stack.of(scope);
  const id = 'PowertoolsLayer';
  return (
    (stack.node.tryFindChild(id) as lambda.ILayerVersion | undefined) ??
    lambda.LayerVersion.fromLayerVersionArn(
      stack,
      id,
      ssm.StringParameter.valueForStringParameter(stack, `/aws/service/powertools/typescript/generic/all/${POWERTOOLS_VERSION}`),
    )
  );
}

/** Runs on the host after esbuild (local bundling): inputDir is the project root. */
const copyDocsAssets: ICommandHooks = {
  beforeBundling: () => [],
  beforeInstall: () => [],
  afterBundling: (inputDir: string, outputDir: string) => [
    `mkdir -p "${outputDir}/${DOCS_ASSETS_DIR}"`,
    ...DOCS_ASSET_FILES.map(
      (file) => `cp "${inputDir}/node_modules/swagger-ui-dist/${file}" "${outputDir}/${DOCS_ASSETS_DIR}/${file}"`,
    ),
    `cp "${inputDir}/docs/openapi.json" "${outputDir}/${DOCS_ASSETS_DIR}/openapi.json"`,
  ],
};

/** Where the web function finds the pages' assets in its bundle: govuk/ (govuk-frontend's dist/govuk, the parts used) and hub/. */
const WEB_ASSETS_DIR = 'web-assets';

const copyWebAssets: ICommandHooks = {
  beforeBundling: () => [],
  beforeInstall: () => [],
  afterBundling: (inputDir: string, outputDir: string) => {
    const govuk = `${inputDir}/node_modules/govuk-frontend/dist/govuk`;
    const out = `${outputDir}/${WEB_ASSETS_DIR}`;
    return [
      `mkdir -p "${out}/govuk/assets" "${out}/hub"`,
      ...GOVUK_FILES.map((file) => `cp "${govuk}/${file}" "${out}/govuk/${file}"`),
      ...GOVUK_DIRS.map((dir) => `cp -R "${govuk}/${dir}" "${out}/govuk/assets/"`),
      ...HUB_FILES.map((file) => `cp "${inputDir}/shared/web/static/${file}" "${out}/hub/${file}"`),
    ];
  },
};

export type TableAccess = 'read' | 'readWrite';

/**
 * The item-level actions the hub uses, and no more. Scan is missing on purpose: no
 * operation may scan (architecture.md), and IAM now enforces it. Transactions need
 * no actions of their own; each item in one is checked against these.
 */
const READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:DescribeTable'];
const WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
];
const TABLE_ACTIONS: Record<TableAccess, string[]> = {
  read: READ_ACTIONS,
  readWrite: [...READ_ACTIONS, ...WRITE_ACTIONS],
};

/**
 * Lets `fn` use the hub's table and tells it the name, in one step, so a function
 * never has TABLE_NAME without the permission or the permission without the name.
 * (The table uses an AWS managed key; a customer managed key would need a grant too.)
 */
export function grantTableAccess(fn: HubFunction, table: ITable, access: TableAccess): void {
  table.grant(fn, ...TABLE_ACTIONS[access]);
  fn.addEnvironment('TABLE_NAME', table.tableName);

  // The grant also covers the table's indexes as <table arn>/index/*: the GSIs are
  // part of the single-table design the functions query.
  const cfnTable = table.node.defaultChild;
  if (fn.role && cfnTable instanceof CfnResource) {
    const logicalId = Stack.of(table).resolve(cfnTable.logicalId) as string;
    Validations.of(fn.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/index/*]`,
      reason: "Only this table's own global secondary indexes (GSI1, GSI2), which the single-table design queries.",
    });
  }
}
