import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../infra/constructs/hub-function';

/** cdk.json's context (feature flags), so in-process synths match `cdk synth`. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(projectRoot, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  return cdkJson.context ?? {};
}

/** Each synth bundles every function with esbuild: seconds, not milliseconds. */
export const SYNTH_TIMEOUT_MS = 120_000;

/** cdk-nag's AwsSolutions findings in a synthesized assembly's validation report, as "<rule> at <construct path>". */
export function awsSolutionsFindings(assemblyDirectory: string): string[] {
  const report = JSON.parse(readFileSync(join(assemblyDirectory, 'validation-report.json'), 'utf8')) as {
    pluginReports: { pluginName: string; violations: { ruleName: string; violatingConstructs?: { constructPath?: string }[] }[] }[];
  };
  return report.pluginReports
    .filter((r) => r.pluginName === 'AwsSolutions')
    .flatMap((r) => r.violations.flatMap((v) => (v.violatingConstructs ?? [{}]).map((c) => `${v.ruleName} at ${c.constructPath}`)));
}
