#!/usr/bin/env bash
# The offline deploy rehearsal, on the cloud assembly `npx cdk synth` wrote (default cdk.out):
#   1. the template check: cfn-lint, 0 errors (lint_templates.py; CDK's validation report without it)
#   2. the stack created on moto's CloudFormation and read back (rehearse.py)
# Needs python3 with moto 5 (which brings boto3); without it, says so in one line and skips step 2.
set -euo pipefail
cd "$(dirname "$0")/../.."
CDK_OUT="${1:-cdk.out}"
PYTHON="${PYTHON:-python3}"

if ! command -v "$PYTHON" >/dev/null 2>&1; then
  echo "rehearsal: skipped, no $PYTHON on this machine (the template check and the moto rehearsal need Python 3 with cfn-lint and moto 5)"
  exit 0
fi

"$PYTHON" infra/rehearsal/lint_templates.py --cdk-out "$CDK_OUT"

if ! "$PYTHON" -c 'import sys, moto, boto3, flask; sys.exit(0 if int(moto.__version__.split(".")[0]) >= 5 else 1)' 2>/dev/null; then
  echo "rehearsal: skipped, $PYTHON has no moto 5 server (pip install 'moto[server]>=5')"
  exit 0
fi
"$PYTHON" infra/rehearsal/rehearse.py --cdk-out "$CDK_OUT"
