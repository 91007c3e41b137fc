#!/usr/bin/env python3
"""
Validates every synthesized template in the cloud assembly:

    python3 infra/rehearsal/lint_templates.py [--cdk-out cdk.out]

With cfn-lint (on PATH, or importable by this Python): 0 errors, and 0 warnings but for
the ones ignored below, each with its reason; informational findings are counted only.
Without cfn-lint: says so in one line and falls back to CDK's own check, the validation
report `cdk synth` writes (policy-validation plugins: cdk-nag and, with
@aws-cdk/core:validateAgainstDefaultRules, CDK's CloudFormation rules), which must hold
no error.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# Warnings accepted, with why. Anything else cfn-lint warns about fails the check.
IGNORED_WARNINGS = {
    "W3005": "CDK gives each function an explicit DependsOn on its role beside the Fn::GetAtt of the role's ARN: "
    "redundant, not wrong, and emitted by NodejsFunction itself",
}


def cfn_lint_command() -> list[str] | None:
    if shutil.which("cfn-lint"):
        return ["cfn-lint"]
    probe = subprocess.run([sys.executable, "-c", "import cfnlint.runner"], capture_output=True)
    if probe.returncode == 0:
        return [sys.executable, "-c", "import sys; from cfnlint.runner import main; sys.exit(main())"]
    return None


def lint(cdk_out: Path) -> int:
    templates = sorted(cdk_out.glob("*.template.json"))
    if not templates:
        print(f"template check: no *.template.json in {cdk_out}: run `npx cdk synth` first")
        return 1
    command = cfn_lint_command()
    if command is None:
        print("template check: cfn-lint not found (pip install cfn-lint); falling back to CDK's validation report")
        return validation_report(cdk_out)

    version = subprocess.run([*command, "--version"], capture_output=True, text=True).stdout.strip() or "cfn-lint"
    run = subprocess.run([*command, "--format", "json", "--", *map(str, templates)], capture_output=True, text=True)
    # Its exit code is a bit mask of the levels found (2 error, 4 warning, 8 informational); 1 is a failure to run.
    if run.returncode & 1 or not run.stdout.strip().startswith("["):
        print(f"template check: {version} did not run: {run.stderr.strip() or run.stdout.strip()}")
        return 1
    findings = json.loads(run.stdout)
    levels = Counter(f["Level"] for f in findings)
    ignored = Counter(f["Rule"]["Id"] for f in findings if f["Level"] == "Warning" and f["Rule"]["Id"] in IGNORED_WARNINGS)
    failing = [f for f in findings if f["Level"] == "Error" or (f["Level"] == "Warning" and f["Rule"]["Id"] not in IGNORED_WARNINGS)]
    for f in failing:
        start = f["Location"]["Start"]
        where = "/".join(str(p) for p in f["Location"].get("Path", []))
        print(f"  {f['Level']} {f['Rule']['Id']} {Path(f['Filename']).name}:{start['LineNumber']} {where}: {f['Message']}")
    ignored_text = ", ".join(f"{rule} x{n} ({IGNORED_WARNINGS[rule]})" for rule, n in sorted(ignored.items())) or "none"
    print(
        f"template check: {version} on {', '.join(t.name for t in templates)}: {levels['Error']} errors, "
        f"{levels['Warning'] - sum(ignored.values())} warnings, {levels['Informational']} informational; ignored warnings: {ignored_text}"
    )
    return 1 if failing else 0


def validation_report(cdk_out: Path) -> int:
    path = cdk_out / "validation-report.json"
    if not path.exists():
        print(f"template check: {path} missing (synth wrote no validation report)")
        return 1
    report = json.loads(path.read_text())
    errors = [
        f"{plugin['pluginName']}: {violation['ruleName']}"
        for plugin in report.get("pluginReports", [])
        for violation in plugin.get("violations", [])
        if str(violation.get("severity", "error")).lower() in ("error", "fatal")
    ]
    for error in errors:
        print(f"  {error}")
    print(f"template check: CDK validation report: {len(errors)} errors")
    return 1 if errors else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cdk-out", default=str(REPO / "cdk.out"))
    return lint(Path(parser.parse_args().cdk_out))


if __name__ == "__main__":
    sys.exit(main())
