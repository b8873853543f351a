"""Create the bucket and the table a local run needs (on AWS the SAM template creates them)."""
from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError


def ensure_bucket(s3: Any, name: str) -> None:
    try:
        s3.create_bucket(Bucket=name)
    except ClientError as error:
        if error.response["Error"]["Code"] not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
            raise


def ensure_table(dynamodb: Any, name: str) -> None:
    try:
        dynamodb.describe_table(TableName=name)
        return
    except dynamodb.exceptions.ResourceNotFoundException:
        pass
    try:
        created = dynamodb.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
    except dynamodb.exceptions.ResourceInUseException:
        created = None
    if created is None or created["TableDescription"]["TableStatus"] != "ACTIVE":
        dynamodb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1})
    dynamodb.update_time_to_live(
        TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"}
    )


def job_items(dynamodb: Any, table: str, job_id: str) -> tuple[dict | None, list[dict]]:
    """The job item and its chunk items, read with one strongly consistent Query."""
    from baseline.state import from_item

    items: list[dict] = []
    kwargs = {
        "TableName": table,
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": {"S": f"JOB#{job_id}"}},
        "ConsistentRead": True,
    }
    while True:
        page = dynamodb.query(**kwargs)
        items.extend(from_item(item) for item in page["Items"])
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    job = next((item for item in items if item["sk"] == "JOB"), None)
    return job, [item for item in items if item["sk"].startswith("CHUNK#")]
