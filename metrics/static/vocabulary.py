"""Names of the AWS, boto3 and durable-SDK operations that the static counts recognise.

Which object a call is made on, and what it is called with, is resolved by data flow (dataflow.py,
calls.py); these sets say what the resolved operations mean. README.md, section 'The static comparison',
repeats them.
"""
from __future__ import annotations

DYNAMODB_STATE_OPERATIONS = frozenset({
    "get_item", "put_item", "update_item", "delete_item", "query", "scan",
    "batch_get_item", "batch_write_item", "transact_get_items", "transact_write_items",
    "execute_statement", "batch_execute_statement", "execute_transaction",
})
S3_STATE_OPERATIONS = frozenset({
    "get_object", "put_object", "head_object", "delete_object", "delete_objects", "copy_object",
    "list_objects", "list_objects_v2", "get_object_attributes",
    "create_multipart_upload", "upload_part", "upload_part_copy", "complete_multipart_upload",
    "abort_multipart_upload", "upload_file", "download_file", "upload_fileobj", "download_fileobj",
})
STATE_IO_OPERATIONS = DYNAMODB_STATE_OPERATIONS | S3_STATE_OPERATIONS

# Writes that accept a condition (AWS API names); such a write whose request carries a condition keyword is a
# conditional write.
CONDITIONAL_WRITE_APIS = frozenset({
    "PutItem", "UpdateItem", "DeleteItem", "PutObject", "CopyObject", "DeleteObject", "CompleteMultipartUpload",
    "ExecuteStatement",
})
CONDITION_KEYWORDS = frozenset({"ConditionExpression", "Expected", "IfNoneMatch", "IfMatch"})
# Every TransactWriteItems call is all-or-nothing under its conditions: counted once, whatever it holds.
TRANSACTIONAL_WRITE_APIS = frozenset({"TransactWriteItems", "ExecuteTransaction"})

# Keys of DynamoDB request dictionaries: a statement that builds one is state-management code.
DYNAMODB_REQUEST_KEYS = frozenset({
    "ConditionExpression", "UpdateExpression", "KeyConditionExpression", "ExpressionAttributeNames",
    "ExpressionAttributeValues", "TransactItems", "ReturnValuesOnConditionCheckFailure", "ConditionCheck",
})

SERIALIZATION_MODULES = frozenset({"json", "pickle", "marshal", "simplejson", "orjson", "ujson"})
SERIALIZATION_FUNCTIONS = frozenset({"dumps", "loads", "dump", "load"})
# boto3.dynamodb.types.TypeSerializer/TypeDeserializer and the durable SDK's SerDes objects.
SERIALIZER_METHODS = frozenset({"serialize", "deserialize"})

# Methods of aws_durable_execution_sdk_python.context.DurableContext (SDK 3.0).
DURABLE_OPERATIONS = frozenset({
    "step", "map", "parallel", "invoke", "wait", "wait_for_callback", "create_callback",
    "run_in_child_context", "wait_for_condition",
})
DURABLE_CONTEXT_TYPE = "DurableContext"
# Decorators whose function receives a DurableContext, and at which parameter position.
DURABLE_CONTEXT_DECORATORS = {"durable_execution": 1, "durable_with_child_context": 0}
# Durable operations that call a function with a (child) DurableContext as its first argument.
DURABLE_FUNCTION_TAKERS = frozenset({"map", "parallel", "run_in_child_context", "wait_for_condition"})

# The error codes and exception names by which code learns that a conditional write lost: the work was
# already done or claimed, which is what an idempotency guard checks.
CONDITION_FAILURE_NAMES = frozenset({
    "ConditionalCheckFailedException", "TransactionCanceledException", "PreconditionFailed",
    "ConditionalCheckFailed",
})
IDEMPOTENCY_DECORATORS = frozenset({"idempotent", "idempotent_function"})
