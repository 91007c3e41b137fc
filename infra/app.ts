import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { HubStack, type HubStackProps } from './hub-stack';

export interface BuildAppProps {
  /** Context as cdk.json would give it (tests pass cdk.json's own). */
  context?: Record<string, unknown>;
  /** @default a temporary directory, or the CLI's cdk.out */
  outdir?: string;
  /** Run the AwsSolutions checks during synth. @default true */
  nag?: boolean;
  stack?: HubStackProps;
}

/**
 * The CDK app: one HubStack, checked by cdk-nag's AwsSolutions pack. cdk-nag 3 is
 * a policy-validation plugin (not an aspect): findings land in the assembly's
 * validation report and fail `cdk synth`; each accepted one is acknowledged with
 * `Validations.of(construct).acknowledge({ id, reason })` next to its cause.
 */
export function buildApp(props: BuildAppProps = {}): { app: App; stack: HubStack } {
  const app = new App({
    ...(props.context ? { context: props.context } : {}),
    ...(props.outdir ? { outdir: props.outdir } : {}),
  });
  const stack = new HubStack(app, 'CouncilHub', {
    description: 'Council Collaboration Hub: HTTP API, table, user pool and event bus',
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
    ...props.stack,
  });
  Tags.of(stack).add('service', 'council-hub', {
    // Dashboards take tags only in CloudFormation's newest resource schema: cfn-lint's schema (and
    // possibly some regions) refuse them (E3002), and a dashboard's tag is worth nothing to billing.
    excludeResourceTypes: ['AWS::CloudWatch::Dashboard'],
  });
  if (props.nag ?? true) {
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  }
  return { app, stack };
}

const isMain = (() => {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
})();

if (isMain) buildApp().app.synth();
