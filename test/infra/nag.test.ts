import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { buildApp } from '../../infra/app';
import { cdkJsonContext, SYNTH_TIMEOUT_MS } from './cdk-context';

/**
 * cdk-nag 3 is a policy-validation plugin: its findings (errors and warnings)
 * go to the assembly's validation-report.json, minus those acknowledged with
 * Validations.of(construct).acknowledge(...). Synth is told not to throw on
 * errors so this test can read and list every finding, warnings included.
 */
interface Violation {
  ruleName: string;
  severity?: string;
  violatingConstructs?: { constructPath?: string }[];
}
interface ValidationReport {
  pluginReports: { pluginName: string; violations: Violation[] }[];
}

const reportContext = { '@aws-cdk/core:failSynthOnValidationErrors': false };

function synthReport(app: App): ValidationReport {
  const assembly = app.synth();
  return JSON.parse(readFileSync(join(assembly.directory, 'validation-report.json'), 'utf8')) as ValidationReport;
}

/** "AwsSolutions-IAM5[...] at CouncilHub/..." for every finding a plugin reports. */
function findings(report: ValidationReport, plugin: (name: string) => boolean): string[] {
  return report.pluginReports
    .filter((r) => plugin(r.pluginName))
    .flatMap((r) => r.violations)
    .flatMap((v) => (v.violatingConstructs ?? [{}]).map((c) => `${v.severity ?? '?'} ${v.ruleName} at ${c.constructPath ?? '?'}`));
}

const isNag = (name: string) => name === 'AwsSolutions';

describe('cdk-nag AwsSolutions on the hub', () => {
  let app: App;
  let report: ValidationReport;

  beforeAll(() => {
    ({ app } = buildApp({ context: { ...cdkJsonContext(), ...reportContext }, nag: true }));
    report = synthReport(app);
  }, SYNTH_TIMEOUT_MS);

  it('has no unacknowledged finding, error or warning', () => {
    expect(findings(report, isNag)).toEqual([]);
  });

  it('has no error from any other validation plugin (CloudFormation schema checks)', () => {
    const errors = findings(report, (name) => !isNag(name)).filter((f) => /^(error|fatal) /.test(f));
    expect(errors).toEqual([]);
  });

  it('gives every acknowledgement a specific reason', () => {
    const acknowledged: { path: string; id: string; reason: string }[] = [];
    const visit = (node: IConstruct) => {
      for (const entry of node.node.metadata) {
        if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
        for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
          acknowledged.push({ path: node.node.path, id, reason });
        }
      }
      node.node.children.forEach(visit);
    };
    visit(app);
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const { path, id, reason } of acknowledged) expect(reason.length, `${id} at ${path}`).toBeGreaterThan(40);
  });
});

describe('the nag check itself', () => {
  it('reports a finding nobody acknowledged (so the test above can fail)', () => {
    const app = new App({ context: { ...cdkJsonContext(), ...reportContext } });
    const stack = new Stack(app, 'Probe');
    // No DLQ, no TLS-only policy: AwsSolutions-SQS3 and SQS4.
    new sqs.Queue(stack, 'Queue');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const found = findings(synthReport(app), isNag);
    expect(found).toEqual(expect.arrayContaining([expect.stringMatching(/AwsSolutions-SQS3 at Probe\/Queue/)]));
  });
});
