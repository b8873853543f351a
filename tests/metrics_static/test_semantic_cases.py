"""The adversarial cases of issue 11: equivalent spellings that must all be found, and look-alikes that must
not. Each source is a small module analysed on its own; the assertions name the lines found."""
from __future__ import annotations

from metrics.static import analyze_source


def _lines(source: str, kind: str) -> list[int]:
    return sorted(f.line for f in analyze_source("m.py", source).findings if f.kind.value == kind)


def _marked(source: str) -> list[int]:
    """Lines that carry a `# found` marker."""
    return [n for n, line in enumerate(source.splitlines(), 1) if line.rstrip().endswith("# found")]


CONDITIONAL_WRITES = '''
import boto3

COND = {"ConditionExpression": "attribute_not_exists(pk)"}
dynamodb = boto3.client("dynamodb")
table = boto3.resource("dynamodb").Table("jobs")
s3 = boto3.resource("s3")


def _request(key, condition):
    return {"TableName": "jobs", "Key": key, "ConditionExpression": condition}


def _base(key):
    return {"TableName": "jobs", "Item": key}


def _outer(key):
    return {**_base(key), **COND}


def writes(key, op="put_item"):
    dynamodb.put_item(TableName="jobs", Item=key, ConditionExpression="attribute_not_exists(pk)")  # found
    dynamodb.update_item(**_request(key, "#n < :max"))  # found
    dynamodb.put_item(TableName="jobs", Item=key, **COND)  # found
    base = {"TableName": "jobs", "Item": key}
    dynamodb.put_item(**{**base, **COND})  # found
    request = {"TableName": "jobs", "Key": key}
    request.setdefault("ConditionExpression", "attribute_exists(pk)")
    dynamodb.delete_item(**request)  # found
    getattr(dynamodb, op)(TableName="jobs", Item=key, ConditionExpression="attribute_not_exists(pk)")  # found
    table.put_item(Item=key, ConditionExpression="attribute_not_exists(pk)")  # found
    s3.Object("bucket", "key").put(Body=b"x", IfNoneMatch="*")  # found
    dynamodb.put_item(**_outer(key))  # found
    dynamodb.put_item(TableName="jobs", Item=key)
    table.put_item(Item=key)
    dynamodb.update_item(**_request(key, None))
    s3.Object("bucket", "key").get(IfMatch="etag")
'''


def test_conditional_writes_follow_the_request_really_sent():
    assert _lines(CONDITIONAL_WRITES, "conditional_write") == _marked(CONDITIONAL_WRITES)


STATE_IO = '''
import boto3
import pandas as pd
from sqlalchemy.orm import Session

s3 = boto3.resource("s3")


def io(engine, path):
    bucket = s3.Bucket("media")
    bucket.Object("a").put(Body=b"x")  # found
    data = s3.Object("media", "a").get()["Body"].read()  # found
    bucket.delete_objects(Delete={"Objects": [{"Key": "a"}]})  # found
    table = boto3.session.Session().resource("dynamodb").Table("jobs")
    items = table.query(KeyConditionExpression="pk = :pk")  # found
    frame = pd.read_csv(path)
    rows = frame.query("a > 1")
    with Session(engine) as session:
        users = session.query("User").all()
    return data, rows, users, items
'''


def test_state_io_resolves_the_receiver_not_the_method_name():
    assert _lines(STATE_IO, "state_io_call") == _marked(STATE_IO)
    found = [f for f in analyze_source("m.py", STATE_IO).findings if f.kind.value == "state_io_call"]
    assert [(f.service, f.operation, f.how) for f in found] == [
        ("s3", "PutObject", "data_flow"), ("s3", "GetObject", "data_flow"), ("s3", "DeleteObjects", "data_flow"),
        ("dynamodb", "Query", "data_flow")]


RETRIES = '''
import time

import backoff
import tenacity
from botocore.config import Config
from tenacity import Retrying, retry, stop_after_attempt

SETTINGS = {"retries": {"max_attempts": 5}}


@retry(stop=stop_after_attempt(3))  # found
def a(op):
    return op()


@backoff.on_exception(backoff.expo, OSError)  # found
def b(op):
    return op()


def c(op):
    for attempt in Retrying(stop=stop_after_attempt(3)):  # found
        with attempt:
            op()
    wrapped = tenacity.retry(stop=stop_after_attempt(2))(op)  # found
    config = Config(**{"retries": {"mode": "standard"}})  # found
    other = Config(**SETTINGS)  # found
    return wrapped, config, other


def d(op):
    while True:  # found
        try:
            return op()
        except OSError:
            time.sleep(1)


def e(op):
    for tries in range(3):  # found
        try:
            result = op()
        except OSError:
            continue
        break


def f(op):
    for n in range(3):  # found
        try:
            response = op()
            if response.ok:
                return response
        except OSError:
            pass


def pages(client):
    token = None
    while True:
        try:
            page = client.list(token)
        except OSError:
            page = {}
        token = page.get("next")
        if not token:
            break


def items(xs, op):
    for i in range(len(xs)):
        try:
            op(xs[i])
        except OSError:
            pass
'''


PAGINATION = '''
import boto3


class Storage:
    def __init__(self, bucket):
        self.client = boto3.client("s3")
        self.bucket = bucket

    def delete_work(self, prefix):
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):  # found
            print(page)


def chained(prefix):
    for page in boto3.client("s3").get_paginator("list_objects_v2").paginate(Bucket="b", Prefix=prefix):  # found
        print(page)


def from_a_parameter(client):
    pages = client.get_paginator("query")
    for page in pages.paginate(TableName="jobs"):  # found
        print(page)


def not_state(client):
    return client.get_paginator("describe_instances").paginate()
'''


def test_a_paginator_reads_where_it_paginates():
    """The requests go out where pages are asked for (the run-time frame's line), not where the paginator is
    made; a paginator of another API is no state I/O."""
    assert _lines(PAGINATION, "state_io_call") == _marked(PAGINATION)
    found = [f for f in analyze_source("m.py", PAGINATION).findings if f.kind.value == "state_io_call"]
    assert [(f.service, f.operation) for f in found] == [
        ("s3", "ListObjectsV2"), ("s3", "ListObjectsV2"), ("dynamodb", "Query")]


def test_retries_by_what_they_do():
    assert _lines(RETRIES, "retry_construct") == _marked(RETRIES)


def test_a_counter_bounded_in_the_condition_is_a_retry_whatever_its_name():
    for name in ("attempts", "claims", "n"):
        source = (
            "def claim(client, key):\n"
            "    client.update_item(TableName='t', Key=key,\n"
            f"        UpdateExpression='SET #o = :o ADD #{name} :one',\n"
            f"        ConditionExpression='attribute_not_exists(pk) OR #{name} < :max')\n"
            "    client.update_item(TableName='t', Key=key, UpdateExpression='SET #a = :a ADD #v :one',\n"
            "        ConditionExpression='#lease < :now')\n"
        )
        assert _lines(source, "retry_construct") == [2], name


GUARDS = '''
import boto3

from . import storage

dynamodb = boto3.client("dynamodb")
s3 = boto3.client("s3")


def exists(bucket, key):
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except s3.exceptions.ClientError:
        return False
    return True


def a(key):
    item = dynamodb.get_item(TableName="t", Key=key).get("Item")
    done = item is not None and item.get("processed")
    if done:  # found
        return
    work()


def b(key):
    item = dynamodb.get_item(TableName="t", Key=key)["Item"]
    if item["status"] == "done":  # found
        return "skipped"
    work()


def c(bucket, key):
    if exists(bucket, key):  # found
        log("already there")
        count("skips")
        clean_up()
        return
    work()


def d(bucket, key):
    if not storage.exists(bucket, key):  # found
        work()


def e(event):
    try:
        dynamodb.put_item(TableName="t", Item=event, ConditionExpression="attribute_not_exists(pk)")
    except dynamodb.exceptions.ConditionalCheckFailedException:  # found
        return


def f(event):
    if event["status"] == "DONE":
        return
    response = work()
    if response.status == "FAILED":
        return


def work():
    return None
'''


def test_idempotency_guards_read_recorded_state(tmp_path):
    from metrics.static import StaticConfig, analyze_implementation, static_figures

    (tmp_path / "impl").mkdir()
    (tmp_path / "impl" / "m.py").write_text(GUARDS)
    (tmp_path / "impl" / "storage.py").write_text(
        "import boto3\n\n\ndef exists(bucket, key):\n"
        "    return 'Contents' in boto3.client('s3').list_objects_v2(Bucket=bucket, Prefix=key)\n")
    static = static_figures(analyze_implementation("impl", tmp_path / "impl", StaticConfig()))
    found = sorted(f["line"] for f in static["findings"] if f["kind"] == "idempotency_guard" and f["file"] == "m.py")
    assert found == _marked(GUARDS)


DURABLE = '''
from aws_durable_execution_sdk_python import DurableContext, durable_execution, durable_step


class Workflow:
    def __init__(self, ctx: DurableContext) -> None:
        self.ctx = ctx

    def run(self, item):
        return self.ctx.step(work(item))  # found


def one(wf: DurableContext, item):
    return wf.step(work(item))  # found


def per_item(child, item, index, items):
    return child.invoke("encoder", item)  # found


def wait_a_bit(durable, seconds):
    return durable.wait(seconds)  # found


@durable_execution
def handler(event, context):
    c = context
    c.step(work(event))  # found
    step = context.step
    step(work(event))  # found
    context.map(event["items"], per_item)  # found
    wait_a_bit(context, 5)
    return Workflow(context).run(event)


def plain_lambda(event, context):
    return context.invoke("x", event)


@durable_step
def work(step_context, item):
    return item
'''


def test_durable_operations_follow_the_context_value():
    assert _lines(DURABLE, "durable_operation_site") == _marked(DURABLE)


def test_a_json_dumps_into_a_log_line_is_not_serialization():
    source = (
        "import json\nimport logging\n\nlogger = logging.getLogger(__name__)\n\n\n"
        "def f(client, event):\n"
        "    logger.info(json.dumps(event))\n"
        "    print(json.dumps(event))\n"
        "    client.invoke(FunctionName='x', Payload=json.dumps(event))\n"
        "    return json.loads(event['body'])\n"
    )
    assert _lines(source, "serialization_site") == [10, 11]
