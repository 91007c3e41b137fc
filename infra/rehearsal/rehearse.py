#!/usr/bin/env python3
"""
Deploy rehearsal, offline: create the synthesized stack on moto's CloudFormation and
check that what came up is what the template says.

    python3 infra/rehearsal/rehearse.py [--cdk-out cdk.out]

Run after `npx cdk synth`. It starts moto's server on 127.0.0.1 (a free port), does what
`cdk deploy` does against a bootstrapped account (publish the assets from the asset
manifest to the bootstrap bucket, upload the template there, create the stack from its
URL), then reads every resource back through the service APIs and puts each event
sample on the bus to see it reach the webhook dispatch queue through its rule. moto is
stopped at the end, pass or fail. infra/rehearsal/README.md says what this proves and
what only a real account can.

Python, not TypeScript: moto is a Python package and ships boto3, so wherever the
rehearsal can run at all it has everything it needs, and the project gains no client
packages (CloudFormation, S3, SSM, KMS, SNS, CloudWatch, Lambda) it would use only here.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any, Callable

import boto3
import moto

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "events" / "samples"
HUB_EVENT_SOURCE = "council-hub"  # events/rules.ts HUB_EVENT_SOURCE
# Where the rehearsal keeps the stand-in Powertools layer ARN (moto reserves /aws/ names).
LAYER_PARAMETER = "/rehearsal/powertools-layer-arn"
CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]


# ---------------------------------------------------------------------------
# Results


class Checks:
    def __init__(self) -> None:
        self.passed = 0
        self.failures: list[str] = []

    def equal(self, what: str, actual: Any, expected: Any) -> bool:
        if actual == expected:
            self.passed += 1
            return True
        self.failures.append(f"{what}: expected {json.dumps(expected, default=str)}, got {json.dumps(actual, default=str)}")
        return False

    def true(self, what: str, condition: bool, detail: str = "") -> bool:
        return self.equal(what + (f" ({detail})" if detail and not condition else ""), bool(condition), True)


# ---------------------------------------------------------------------------
# moto


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MotoServer:
    """moto's server on 127.0.0.1, started and stopped by this process only."""

    def __init__(self) -> None:
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.NamedTemporaryFile(prefix="moto-", suffix=".log", delete=False)
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> "MotoServer":
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"moto server exited with {self.process.returncode}: {self.tail()}")
            try:
                urllib.request.urlopen(f"{self.endpoint}/moto-api/", timeout=1).close()
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"moto server did not answer on {self.endpoint} within 30 s")

    def __exit__(self, *exc: object) -> None:
        if exc[0]:
            time.sleep(0.5)  # let moto finish writing what went wrong
            print(f"rehearsal: moto's log ({self.log.name}) ends:\n{self.tail()}", file=sys.stderr)
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        if not exc[0]:
            os.unlink(self.log.name)

    def tail(self, lines: int = 30) -> str:
        self.log.flush()
        return "\n".join(Path(self.log.name).read_text(errors="replace").splitlines()[-lines:])


# ---------------------------------------------------------------------------
# The cloud assembly


def load_assembly(cdk_out: Path) -> tuple[str, str, dict[str, Any], dict[str, Any], str]:
    """(stack name, template file, template, asset manifest, region) of the one CloudFormation stack in cdk.out."""
    manifest = json.loads((cdk_out / "manifest.json").read_text())
    stacks = {name: a for name, a in manifest["artifacts"].items() if a["type"] == "aws:cloudformation:stack"}
    if len(stacks) != 1:
        raise SystemExit(f"rehearsal: expected one stack in {cdk_out}, found {sorted(stacks)}")
    name, artifact = next(iter(stacks.items()))
    template = json.loads((cdk_out / artifact["properties"]["templateFile"]).read_text())
    assets_artifact = next(
        a for a in manifest["artifacts"].values() if a["type"] == "cdk:asset-manifest" and a["properties"]["file"].startswith(name)
    )
    assets = json.loads((cdk_out / assets_artifact["properties"]["file"]).read_text())
    region = artifact["environment"].split("/")[-1]
    if region in ("unknown-region", ""):
        region = "eu-west-2"
    return name, artifact["properties"]["templateFile"], template, assets, region


def resources_of(template: dict[str, Any], type_: str) -> dict[str, dict[str, Any]]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] == type_}


def substitute(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace("${" + key + "}", value)
    return text


def zip_directory(directory: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(directory).as_posix())
    return buffer.getvalue()


def json_as_sub(value: Any) -> dict[str, str]:
    """A JSON value holding Ref, Fn::GetAtt and Fn::Join as one Fn::Sub string: the same JSON once resolved."""
    holes: list[str] = []

    def text(node: Any) -> str:
        if isinstance(node, str):
            return node
        if isinstance(node, dict) and set(node) == {"Ref"}:
            return "${" + node["Ref"] + "}"
        if isinstance(node, dict) and set(node) == {"Fn::GetAtt"}:
            return "${" + ".".join(node["Fn::GetAtt"]) + "}"
        if isinstance(node, dict) and set(node) == {"Fn::Join"}:
            return node["Fn::Join"][0].join(text(part) for part in node["Fn::Join"][1])
        raise ValueError(f"rehearsal: cannot write {json.dumps(node)} into a string")

    def walk(node: Any) -> Any:
        if isinstance(node, dict) and len(node) == 1 and next(iter(node)) in ("Ref", "Fn::GetAtt", "Fn::Join"):
            holes.append(text(node))
            return f"@@{len(holes) - 1}@@"
        if isinstance(node, dict):
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    rendered = json.dumps(walk(value))
    for i, hole in enumerate(holes):
        rendered = rendered.replace(f"@@{i}@@", hole)
    return {"Fn::Sub": rendered}


def rehearsal_template(template: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """
    The template as moto can take it, and what was changed. Nothing is removed: every
    change is one CloudFormation itself treats as the same template.
    """
    changed: list[str] = []
    copy = json.loads(json.dumps(template))

    for name, parameter in copy.get("Parameters", {}).items():
        if str(parameter.get("Default", "")).startswith("/aws/service/powertools/"):
            changed.append(
                f"parameter {name}: AWS publishes the Powertools layer ARN at {parameter['Default']}; moto reserves /aws/ "
                f"names, so the parameter reads {LAYER_PARAMETER}, which holds a stand-in layer published in moto"
            )
            parameter["Default"] = LAYER_PARAMETER

    # CloudFormation's Ref of an AWS::Events::EventBus is its name; moto's has no Ref value.
    buses = {k: r["Properties"]["Name"] for k, r in resources_of(copy, "AWS::Events::EventBus").items()}

    def bus_names(value: Any) -> Any:
        if isinstance(value, dict):
            if set(value) == {"Ref"} and value["Ref"] in buses:
                return buses[value["Ref"]]
            return {k: bus_names(v) for k, v in value.items()}
        if isinstance(value, list):
            return [bus_names(v) for v in value]
        return value

    before = json.dumps(copy["Resources"])
    copy["Resources"] = bus_names(copy["Resources"])
    if json.dumps(copy["Resources"]) != before:
        changed.append("Ref to an event bus written as the bus's name (what CloudFormation's Ref returns; moto's bus has none)")

    # Json-typed properties CDK writes as objects, which moto's models take only as strings.
    for type_, prop in (("AWS::Events::Archive", "EventPattern"), ("AWS::KMS::Key", "KeyPolicy")):
        for name, resource in resources_of(copy, type_).items():
            if isinstance(resource["Properties"].get(prop), dict):
                resource["Properties"][prop] = json_as_sub(resource["Properties"][prop])
                changed.append(f"{name}.{prop} given as a JSON string (CloudFormation takes either; moto only a string)")

    # moto's CloudFormation does not model alarms (they are made through its CloudWatch API after
    # the stack, see complete_unmodelled); a named alarm's ARN is known without it.
    alarm_names = {k: r["Properties"]["AlarmName"] for k, r in resources_of(copy, "AWS::CloudWatch::Alarm").items() if isinstance(r["Properties"].get("AlarmName"), str)}

    def alarm_arns(value: Any) -> Any:
        if isinstance(value, dict):
            if set(value) == {"Fn::GetAtt"} and value["Fn::GetAtt"][0] in alarm_names and value["Fn::GetAtt"][1] == "Arn":
                return {"Fn::Sub": "arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:" + alarm_names[value["Fn::GetAtt"][0]]}
            return {k: alarm_arns(v) for k, v in value.items()}
        if isinstance(value, list):
            return [alarm_arns(v) for v in value]
        return value

    before = json.dumps(copy["Resources"])
    copy["Resources"] = alarm_arns(copy["Resources"])
    if json.dumps(copy["Resources"]) != before:
        changed.append("Fn::GetAtt of a named alarm's Arn written as that ARN (moto's CloudFormation has no alarms to get it from)")

    # moto's CloudFormation hands a key's tags to KMS as they are; KMS spells them TagKey/TagValue.
    for name, key in resources_of(copy, "AWS::KMS::Key").items():
        tags = key["Properties"].get("Tags")
        if tags:
            key["Properties"]["Tags"] = [{"TagKey": t["Key"], "TagValue": t["Value"]} for t in tags]
            changed.append(f"{name}.Tags spelled TagKey/TagValue (moto passes CloudFormation's Key/Value to KMS unchanged)")
    return copy, changed


# ---------------------------------------------------------------------------
# The rehearsal


def rehearse(cdk_out: Path) -> int:
    started = time.monotonic()
    stack_name, template_file, template, assets, region = load_assembly(cdk_out)
    checks = Checks()

    with MotoServer() as server:
        session = boto3.session.Session(aws_access_key_id="rehearsal", aws_secret_access_key="rehearsal", region_name=region)
        client: Callable[[str], Any] = lambda service: session.client(service, endpoint_url=server.endpoint)  # noqa: E731
        account = client("sts").get_caller_identity()["Account"]
        pseudo = {"AWS::AccountId": account, "AWS::Region": region, "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com"}
        cfn, s3, ssm, lam = client("cloudformation"), client("s3"), client("ssm"), client("lambda")

        # 1. What `cdk bootstrap` leaves in an account: the version parameter and the assets bucket.
        bootstrap = template.get("Parameters", {}).get("BootstrapVersion", {}).get("Default")
        if bootstrap:
            ssm.put_parameter(Name=bootstrap, Value="30", Type="String")
        layer = lam.publish_layer_version(
            LayerName="AWSLambdaPowertoolsTypeScriptV2",
            Description="stand-in for AWS's Powertools layer",
            Content={"ZipFile": zip_bytes({"nodejs/node_modules/.keep": ""})},
        )
        ssm.put_parameter(Name=LAYER_PARAMETER, Value=layer["LayerVersionArn"], Type="String")

        # 2. What `cdk deploy` does first: publish every asset where the template will look for it.
        uploaded: dict[tuple[str, str], int] = {}
        template_url = None
        changes: list[str] = []
        deployed_template = template
        for asset_hash, asset in assets["files"].items():
            source = cdk_out / asset["source"]["path"]
            body = zip_directory(source) if asset["source"].get("packaging") == "zip" else source.read_bytes()
            for destination in asset["destinations"].values():
                bucket = substitute(destination["bucketName"], pseudo)
                key = substitute(destination["objectKey"], pseudo)
                if bucket not in {b["Name"] for b in s3.list_buckets()["Buckets"]}:
                    s3.create_bucket(Bucket=bucket) if region == "us-east-1" else s3.create_bucket(
                        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region}
                    )
                if asset["source"]["path"] == template_file:
                    deployed_template, changes = rehearsal_template(json.loads(body))
                    body = json.dumps(deployed_template).encode()
                    template_url = f"https://{bucket}.s3.{region}.amazonaws.com/{key}"
                s3.put_object(Bucket=bucket, Key=key, Body=body)
                uploaded[(bucket, key)] = len(body)
        if template_url is None:
            raise SystemExit("rehearsal: the asset manifest publishes no template")
        zips = [k for k in uploaded if k[1].endswith(".zip")]
        print(f"rehearsal: published {len(zips)} code assets and the template to s3://{zips[0][0] if zips else '?'} (moto {moto.__version__}, {region})")
        for change in changes:
            print(f"rehearsal: template adapted for moto: {change}")

        # 3. Create the stack from the uploaded template, as `cdk deploy` does for one over 51,200 bytes.
        cfn.create_stack(StackName=stack_name, TemplateURL=template_url, Capabilities=CAPABILITIES)
        status = wait_for_stack(cfn, stack_name)
        if not checks.equal(f"stack {stack_name} status", status, "CREATE_COMPLETE"):
            for event in cfn.describe_stack_events(StackName=stack_name)["StackEvents"][:20]:
                print(f"  {event['LogicalResourceId']} {event['ResourceStatus']} {event.get('ResourceStatusReason', '')}")
            print(server.tail())
            return report(checks, started, Counter())

        physical = {
            r["LogicalResourceId"]: r["PhysicalResourceId"]
            for r in paginate(cfn, "list_stack_resources", "StackResourceSummaries", StackName=stack_name)
            if r["ResourceType"]
        }
        not_modelled = Counter(r["Type"] for k, r in template["Resources"].items() if k not in physical and r["Type"] != "AWS::CDK::Metadata")
        # Read back against the template as deployed (the adapted copy), so references resolve as moto resolved them.
        world = World(session, server.endpoint, deployed_template, physical, pseudo, uploaded)

        completed = complete_unmodelled(world)
        for type_, count in completed.items():
            not_modelled[type_] -= count
        if completed:
            listed = ", ".join(f"{t} x{n}" for t, n in sorted(completed.items()))
            print(f"rehearsal: made through moto's service APIs from the template's properties (its CloudFormation does not model them): {listed}")
        not_modelled = +not_modelled

        check_table(world, checks)
        check_bus_archive_rules(world, checks)
        check_queues(world, checks)
        check_functions(world, checks)
        check_event_source_mappings(world, checks)
        check_operations(world, checks)
        check_event_reaches_queue(world, checks)

    return report(checks, started, not_modelled)


def zip_bytes(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def paginate(client: Any, operation: str, key: str, **kwargs: Any) -> list[dict[str, Any]]:
    return [item for page in client.get_paginator(operation).paginate(**kwargs) for item in page[key]]


def wait_for_stack(cfn: Any, name: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while True:
        status = cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
        if not status.endswith("_IN_PROGRESS") or time.monotonic() > deadline:
            return status
        time.sleep(0.2)


# Properties moto's CloudFormation accepts but does not apply (so they cannot be read back);
# the CDK assertions (test/infra) check them in the template, cfn-lint checks their values.
NOT_APPLIED_BY_MOTO = {
    "AWS::DynamoDB::Table": ["TimeToLiveSpecification", "PointInTimeRecoverySpecification", "SSESpecification"],
    "AWS::Lambda::Function": ["Architectures", "TracingConfig", "Layers", "LoggingConfig"],
}


def report(checks: Checks, started: float, not_modelled: Counter[str]) -> int:
    listed = "; ".join(f"{t}: {', '.join(p)}" for t, p in NOT_APPLIED_BY_MOTO.items())
    print(f"rehearsal: accepted but not applied by moto (checked by the CDK assertions only): {listed}")
    if not_modelled:
        listed = ", ".join(f"{t} x{n}" for t, n in sorted(not_modelled.items()))
        print(f"rehearsal: not modelled by moto's CloudFormation (checked by cfn-lint and the CDK assertions only): {listed}")
    for failure in checks.failures:
        print(f"rehearsal: FAILED {failure}")
    seconds = time.monotonic() - started
    print(f"rehearsal: {checks.passed} checks passed, {len(checks.failures)} failed ({seconds:.1f} s)")
    return 1 if checks.failures else 0


# ---------------------------------------------------------------------------
# Reading the deployed resources back


class World:
    """The deployed stack: clients, the template, and template values resolved to what moto created."""

    def __init__(self, session: Any, endpoint: str, template: dict[str, Any], physical: dict[str, str], pseudo: dict[str, str], uploaded: dict[tuple[str, str], int]):
        self.session, self.endpoint, self.template, self.physical, self.pseudo, self.uploaded = session, endpoint, template, physical, pseudo, uploaded
        self._clients: dict[str, Any] = {}


    def refers_to_unmodelled(self, value: Any) -> bool:
        """A Ref to a resource of the template that moto's CloudFormation did not create."""
        return isinstance(value, dict) and "Ref" in value and value["Ref"] in self.template["Resources"] and value["Ref"] not in self.physical
    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self.session.client(service, endpoint_url=self.endpoint)
        return self._clients[service]

    def of(self, type_: str) -> dict[str, dict[str, Any]]:
        return resources_of(self.template, type_)

    def queue_url(self, logical: str) -> str:
        return self.physical[logical]

    def queue_attribute(self, logical: str, name: str) -> str:
        return self.client("sqs").get_queue_attributes(QueueUrl=self.queue_url(logical), AttributeNames=[name])["Attributes"][name]

    def resolve(self, value: Any) -> Any:
        """A template value as CloudFormation would resolve it, for the intrinsics this template uses."""
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if set(value) == {"Ref"}:
            ref = value["Ref"]
            if ref in self.pseudo:
                return self.pseudo[ref]
            resource = self.template["Resources"].get(ref)
            if resource and resource["Type"] == "AWS::Events::EventBus":
                return resource["Properties"]["Name"]
            # moto's CloudFormation renders a Ref to a resource it does not model as "None".
            return self.physical.get(ref, "None" if resource else f"<unresolved Ref {ref}>")
        if set(value) == {"Fn::GetAtt"}:
            logical, attribute = value["Fn::GetAtt"]
            return self.attribute(logical, attribute)
        if set(value) == {"Fn::Join"}:
            separator, parts = value["Fn::Join"]
            return separator.join(str(self.resolve(p)) for p in parts)
        if set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], str):
            return substitute(value["Fn::Sub"], self.pseudo)
        return {k: self.resolve(v) for k, v in value.items()}

    def attribute(self, logical: str, attribute: str) -> Any:
        type_ = self.template["Resources"][logical]["Type"]
        name = self.physical.get(logical)
        if type_ == "AWS::SQS::Queue":
            return self.queue_attribute(logical, "QueueArn") if attribute == "Arn" else self.queue_url(logical).rsplit("/", 1)[-1]
        if type_ == "AWS::DynamoDB::Table":
            table = self.client("dynamodb").describe_table(TableName=name)["Table"]
            return {"Arn": table["TableArn"], "StreamArn": table.get("LatestStreamArn")}[attribute]
        if type_ == "AWS::Lambda::Function":
            return self.client("lambda").get_function_configuration(FunctionName=name)["FunctionArn"]
        if type_ == "AWS::Events::EventBus":
            return self.client("events").describe_event_bus(Name=self.resolve({"Ref": logical}))["Arn"]
        if type_ == "AWS::KMS::Key":
            return self.client("kms").describe_key(KeyId=name)["KeyMetadata"]["Arn"]
        if type_ == "AWS::IAM::Role":
            return self.client("iam").get_role(RoleName=name)["Role"]["Arn"]
        return f"<unresolved {logical}.{attribute}>"


ALARM_PARAMETERS = (
    "AlarmName", "AlarmDescription", "ActionsEnabled", "AlarmActions", "OKActions", "InsufficientDataActions",
    "MetricName", "Namespace", "Statistic", "ExtendedStatistic", "Dimensions", "Period", "Unit", "EvaluationPeriods",
    "DatapointsToAlarm", "Threshold", "ComparisonOperator", "TreatMissingData", "Metrics",
)


def complete_unmodelled(world: World) -> Counter[str]:
    """
    What moto's CloudFormation skips but its service APIs have: the alarms, the queue and
    topic policies and the topic's subscriptions, made from the template's own properties,
    so the checks below can see them (and their references resolve to what the stack made).
    """
    made: Counter[str] = Counter()
    cloudwatch, sqs, sns = world.client("cloudwatch"), world.client("sqs"), world.client("sns")
    for logical, resource in world.of("AWS::CloudWatch::Alarm").items():
        if logical in world.physical:
            continue
        props = world.resolve(resource["Properties"])
        cloudwatch.put_metric_alarm(**{k: props[k] for k in ALARM_PARAMETERS if k in props})
        world.physical[logical] = props["AlarmName"]
        made[resource["Type"]] += 1
    for logical, resource in world.of("AWS::SQS::QueuePolicy").items():
        if logical in world.physical:
            continue
        props = world.resolve(resource["Properties"])
        for url in props["Queues"]:
            sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(props["PolicyDocument"])})
        world.physical[logical] = logical
        made[resource["Type"]] += 1
    for logical, resource in world.of("AWS::SNS::TopicPolicy").items():
        if logical in world.physical:
            continue
        props = world.resolve(resource["Properties"])
        for arn in props["Topics"]:
            sns.set_topic_attributes(TopicArn=arn, AttributeName="Policy", AttributeValue=json.dumps(props["PolicyDocument"]))
        world.physical[logical] = logical
        made[resource["Type"]] += 1
    for logical, resource in world.of("AWS::SNS::Subscription").items():
        if logical in world.physical:
            continue
        props = world.resolve(resource["Properties"])
        world.physical[logical] = sns.subscribe(TopicArn=props["TopicArn"], Protocol=props["Protocol"], Endpoint=props["Endpoint"])["SubscriptionArn"]
        made[resource["Type"]] += 1
    return made


def check_table(world: World, checks: Checks) -> None:
    ddb = world.client("dynamodb")
    tables = world.of("AWS::DynamoDB::Table")
    checks.equal("DynamoDB tables", len(tables), 1)
    for logical, resource in tables.items():
        props = resource["Properties"]
        name = world.physical.get(logical)
        if not checks.true(f"table {logical} exists", bool(name)):
            continue
        table = ddb.describe_table(TableName=name)["Table"]
        checks.equal(f"table {logical} key schema", table["KeySchema"], props["KeySchema"])
        checks.equal(
            f"table {logical} attribute definitions",
            sorted(table["AttributeDefinitions"], key=lambda a: a["AttributeName"]),
            sorted(props["AttributeDefinitions"], key=lambda a: a["AttributeName"]),
        )
        indexes = {i["IndexName"]: {"KeySchema": i["KeySchema"], "Projection": i["Projection"]} for i in table.get("GlobalSecondaryIndexes", [])}
        expected = {i["IndexName"]: {"KeySchema": i["KeySchema"], "Projection": i["Projection"]} for i in props.get("GlobalSecondaryIndexes", [])}
        checks.equal(f"table {logical} global secondary indexes", indexes, expected)
        checks.equal(
            f"table {logical} stream",
            {k: table.get("StreamSpecification", {}).get(k) for k in ("StreamEnabled", "StreamViewType")},
            {"StreamEnabled": True, "StreamViewType": props["StreamSpecification"]["StreamViewType"]},
        )
        checks.true(f"table {logical} has a stream ARN", bool(table.get("LatestStreamArn")))
        checks.equal(f"table {logical} billing", table.get("BillingModeSummary", {}).get("BillingMode"), props.get("BillingMode"))
        checks.equal(f"table {logical} deletion protection", table.get("DeletionProtectionEnabled"), props.get("DeletionProtectionEnabled", False))


def check_bus_archive_rules(world: World, checks: Checks) -> None:
    events = world.client("events")
    for logical, resource in world.of("AWS::Events::EventBus").items():
        name = resource["Properties"]["Name"]
        checks.equal(f"event bus {logical}", events.describe_event_bus(Name=name)["Name"], name)
    for logical, resource in world.of("AWS::Events::Archive").items():
        props = resource["Properties"]
        source = world.resolve(props["SourceArn"])
        archives = [a for a in events.list_archives(EventSourceArn=source)["Archives"]]
        if checks.equal(f"archive {logical} on {source}", len(archives), 1):
            archive = events.describe_archive(ArchiveName=archives[0]["ArchiveName"])
            checks.equal(f"archive {logical} retention", archive.get("RetentionDays"), props.get("RetentionDays"))
            pattern = world.resolve(props["EventPattern"])
            checks.equal(f"archive {logical} pattern", json.loads(archive["EventPattern"]), json.loads(pattern) if isinstance(pattern, str) else pattern)
    for logical, resource in world.of("AWS::Events::Rule").items():
        props = resource["Properties"]
        bus = world.resolve(props.get("EventBusName", "default"))
        rule = events.describe_rule(Name=world.physical[logical], EventBusName=bus)
        checks.equal(f"rule {logical} pattern", json.loads(rule["EventPattern"]), props["EventPattern"])
        checks.equal(f"rule {logical} state", rule["State"], props.get("State", "ENABLED"))
        targets = events.list_targets_by_rule(Rule=rule["Name"], EventBusName=bus)["Targets"]
        checks.equal(
            f"rule {logical} targets",
            sorted(({"Arn": t["Arn"], "DeadLetter": t.get("DeadLetterConfig", {}).get("Arn")} for t in targets), key=json.dumps),
            sorted(
                ({"Arn": world.resolve(t["Arn"]), "DeadLetter": world.resolve(t.get("DeadLetterConfig", {}).get("Arn"))} for t in props.get("Targets", [])),
                key=json.dumps,
            ),
        )


def check_queues(world: World, checks: Checks) -> None:
    sqs = world.client("sqs")
    for logical, resource in world.of("AWS::SQS::Queue").items():
        props = resource["Properties"]
        attributes = sqs.get_queue_attributes(QueueUrl=world.queue_url(logical), AttributeNames=["All"])["Attributes"]
        expected: dict[str, Any] = {
            "VisibilityTimeout": str(props.get("VisibilityTimeout", 30)),
            "MessageRetentionPeriod": str(props.get("MessageRetentionPeriod", 345600)),
            "SqsManagedSseEnabled": str(props.get("SqsManagedSseEnabled", True)).lower(),
        }
        actual = {k: attributes.get(k) for k in expected}
        if "RedrivePolicy" in props:
            redrive = props["RedrivePolicy"]
            expected["RedrivePolicy"] = {"deadLetterTargetArn": world.resolve(redrive["deadLetterTargetArn"]), "maxReceiveCount": redrive["maxReceiveCount"]}
            actual["RedrivePolicy"] = json.loads(attributes.get("RedrivePolicy", "{}"))
        checks.equal(f"queue {logical}", actual, expected)


def check_functions(world: World, checks: Checks) -> None:
    lam = world.client("lambda")
    for logical, resource in world.of("AWS::Lambda::Function").items():
        props = resource["Properties"]
        config = lam.get_function_configuration(FunctionName=world.physical[logical])
        variables = props.get("Environment", {}).get("Variables", {})
        deployed = config.get("Environment", {}).get("Variables", {})
        code = props["Code"]
        code_size = world.uploaded.get((world.resolve(code["S3Bucket"]), world.resolve(code["S3Key"])))
        checks.equal(
            f"function {logical}",
            {
                "Runtime": config["Runtime"],
                "Handler": config["Handler"],
                "Role": config["Role"],
                "Timeout": config["Timeout"],
                "MemorySize": config["MemorySize"],
                "Environment": sorted(deployed),
                "LiteralEnvironment": {k: deployed.get(k) for k, v in variables.items() if isinstance(v, str)},
                "CodeSize": config.get("CodeSize"),
            },
            {
                "Runtime": props["Runtime"],
                "Handler": props["Handler"],
                "Role": world.resolve(props["Role"]),
                "Timeout": props["Timeout"],
                "MemorySize": props["MemorySize"],
                # A variable naming a resource moto does not model (the Cognito app client) cannot be set there.
                "Environment": sorted(k for k, v in variables.items() if not world.refers_to_unmodelled(v)),
                "LiteralEnvironment": {k: v for k, v in variables.items() if isinstance(v, str)},
                # The code is the asset `cdk deploy` publishes to the key the template names.
                "CodeSize": code_size,
            },
        )
        for name, value in variables.items():
            if isinstance(value, dict) and "Ref" in value and value["Ref"] in world.physical:
                checks.equal(f"function {logical} {name}", deployed.get(name), world.resolve(value))


def check_event_source_mappings(world: World, checks: Checks) -> None:
    lam = world.client("lambda")
    for logical, resource in world.of("AWS::Lambda::EventSourceMapping").items():
        props = resource["Properties"]
        mapping = lam.get_event_source_mapping(UUID=world.physical[logical])
        expected = {
            "FunctionArn": world.attribute(props["FunctionName"]["Ref"], "Arn"),
            "EventSourceArn": world.resolve(props["EventSourceArn"]),
            "BatchSize": props.get("BatchSize"),
            "FunctionResponseTypes": props.get("FunctionResponseTypes"),
            "FilterCriteria": props.get("FilterCriteria"),
            "OnFailure": world.resolve(props.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")),
            "StartingPosition": props.get("StartingPosition"),
        }
        actual = {
            "FunctionArn": mapping["FunctionArn"],
            "EventSourceArn": mapping["EventSourceArn"],
            "BatchSize": mapping.get("BatchSize"),
            "FunctionResponseTypes": mapping.get("FunctionResponseTypes"),
            "FilterCriteria": mapping.get("FilterCriteria"),
            "OnFailure": mapping.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination"),
            "StartingPosition": mapping.get("StartingPosition"),
        }
        checks.equal(f"event source mapping {logical}", actual, expected)


def check_operations(world: World, checks: Checks) -> None:
    """The alarm topic (encrypted with its key, rotation on) and the dashboard, which must name the deployed resources."""
    for logical, resource in world.of("AWS::SNS::Topic").items():
        props = resource["Properties"]
        arn = world.physical[logical]
        attributes = world.client("sns").get_topic_attributes(TopicArn=arn)["Attributes"]
        checks.equal(f"topic {logical} name", arn.rsplit(":", 1)[-1], props.get("TopicName", arn.rsplit(":", 1)[-1]))
        if "KmsMasterKeyId" in props:
            checks.equal(f"topic {logical} key", attributes.get("KmsMasterKeyId"), world.resolve(props["KmsMasterKeyId"]))
    topics = {world.physical[k] for k in world.of("AWS::SNS::Topic")}
    alarms = world.of("AWS::CloudWatch::Alarm")
    described = {
        a["AlarmName"]: a
        for page in world.client("cloudwatch").get_paginator("describe_alarms").paginate(AlarmNames=[world.physical[k] for k in alarms])
        for a in page["MetricAlarms"]
    }
    for logical in alarms:
        alarm = described.get(world.physical[logical])
        if checks.true(f"alarm {logical} exists", alarm is not None):
            actions = set(alarm.get("AlarmActions", [])) | set(alarm.get("OKActions", []))
            checks.true(f"alarm {logical} notifies the alarm topic, and only it", bool(actions) and actions <= topics, str(actions))
    for logical, resource in world.of("AWS::SNS::Subscription").items():
        topic = world.resolve(resource["Properties"]["TopicArn"])
        endpoints = {s["Endpoint"] for s in world.client("sns").list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]}
        checks.true(f"subscription {logical} on the alarm topic", resource["Properties"]["Endpoint"] in endpoints)
    for logical, resource in world.of("AWS::KMS::Key").items():
        status = world.client("kms").get_key_rotation_status(KeyId=world.physical[logical])
        checks.equal(f"key {logical} rotation", status["KeyRotationEnabled"], resource["Properties"].get("EnableKeyRotation", False))
    for logical, resource in world.of("AWS::CloudWatch::Dashboard").items():
        props = resource["Properties"]
        name = props.get("DashboardName") or world.physical[logical]
        body = json.loads(world.client("cloudwatch").get_dashboard(DashboardName=name)["DashboardBody"])
        expected_body = json.loads(world.resolve(props["DashboardBody"]))
        checks.equal(f"dashboard {logical} body", body, expected_body)
        text = json.dumps(body)
        for fn in world.of("AWS::Lambda::Function"):
            checks.true(f"dashboard {logical} shows function {fn}", f'"{world.physical[fn]}"' in text)
        for queue in world.of("AWS::SQS::Queue"):
            if "RedrivePolicy" not in world.template["Resources"][queue]["Properties"]:
                checks.true(f"dashboard {logical} shows dead-letter queue {queue}", f'"{world.attribute(queue, "QueueName")}"' in text)


def check_event_reaches_queue(world: World, checks: Checks) -> None:
    """Every event sample (events/samples) put on the hub bus reaches the webhook dispatch queue through its rule, unchanged, and an event from another source does not."""
    events, sqs, lam = world.client("events"), world.client("sqs"), world.client("lambda")
    samples = [json.loads(p.read_text()) for p in sorted(SAMPLES.glob("*.json"))]
    checks.true("event samples to put", len(samples) > 0, str(SAMPLES))

    # Pause the queues' consumers: moto would try to run the function in Docker; the
    # message the function would have received is read here instead.
    for logical, resource in world.of("AWS::Lambda::EventSourceMapping").items():
        if ":sqs:" in str(world.resolve(resource["Properties"]["EventSourceArn"])):
            lam.update_event_source_mapping(UUID=world.physical[logical], Enabled=False)

    # The webhook dispatch rule takes every hub event (events/rules.ts webhookDispatchPattern) to a queue.
    routes = []  # (rule, bus, queue logical id)
    for logical, resource in world.of("AWS::Events::Rule").items():
        if resource["Properties"].get("EventPattern") != {"source": [HUB_EVENT_SOURCE]}:
            continue
        for target in resource["Properties"].get("Targets", []):
            arn = target["Arn"]
            if isinstance(arn, dict) and "Fn::GetAtt" in arn and world.template["Resources"][arn["Fn::GetAtt"][0]]["Type"] == "AWS::SQS::Queue":
                routes.append((logical, world.resolve(resource["Properties"]["EventBusName"]), arn["Fn::GetAtt"][0]))
    checks.true("a rule taking every hub event to a queue (the webhook dispatch rule)", len(routes) > 0)

    for rule, bus, queue in routes:
        entries = [
            {"EventBusName": bus, "Source": HUB_EVENT_SOURCE, "DetailType": e["type"], "Detail": json.dumps(e)} for e in samples
        ]
        # Not from the hub: the rule must not match it.
        entries.append({"EventBusName": bus, "Source": "not-council-hub", "DetailType": "CostRecorded", "Detail": json.dumps(samples[0])})
        failed = 0
        for start in range(0, len(entries), 10):
            failed += events.put_events(Entries=entries[start : start + 10])["FailedEntryCount"]
        checks.equal(f"put {len(entries)} events on {bus}", failed, 0)

        received: list[dict[str, Any]] = []
        deadline = time.monotonic() + 10
        while len(received) < len(samples) and time.monotonic() < deadline:
            batch = sqs.receive_message(QueueUrl=world.queue_url(queue), MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
            for message in batch:
                received.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=world.queue_url(queue), ReceiptHandle=message["ReceiptHandle"])
        time.sleep(0.5)
        stray = sqs.receive_message(QueueUrl=world.queue_url(queue), MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        checks.equal(
            f"rule {rule} delivered every hub event to queue {queue} (EventBridge envelope, detail = the event)",
            sorted(((m.get("source"), m.get("detail-type"), m.get("detail", {}).get("id")) for m in received), key=json.dumps),
            sorted(((HUB_EVENT_SOURCE, e["type"], e["id"]) for e in samples), key=json.dumps),
        )
        by_id = {m["detail"]["id"]: m["detail"] for m in received if isinstance(m.get("detail"), dict)}
        checks.equal(f"queue {queue} carries each event unchanged", [by_id.get(e["id"]) for e in samples], samples)
        checks.equal(f"queue {queue} got nothing from another source", len(stray), 0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cdk-out", default=str(REPO / "cdk.out"), help="the cloud assembly (default: cdk.out)")
    args = parser.parse_args()
    # Stopped from outside (CI's timeout, Ctrl-C): still stop moto on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    return rehearse(Path(args.cdk_out))


if __name__ == "__main__":
    sys.exit(main())
