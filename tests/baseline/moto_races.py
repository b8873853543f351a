"""Race DynamoDB conditional writes from 8 threads on moto, with the GIL switching every microsecond.

Run as a script (``python moto_races.py plain|atomic``) it prints one JSON object; ``plain`` uses
``moto.mock_aws`` as it is, ``atomic`` uses ``local_aws.atomic_mock_aws``. The atomic patch is
process-wide and cannot be undone, so the plain run needs a fresh interpreter.
"""
from __future__ import annotations

import json
import sys
import threading
from contextlib import contextmanager
from typing import Callable, Iterator

THREADS = 8
TABLE = "races"


def _table(session) -> object:  # type: ignore[no-untyped-def]
    client = session.client("dynamodb")
    client.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return client


def _in_threads(work: Callable[[int], None]) -> None:
    start = threading.Barrier(THREADS)

    def run(n: int) -> None:
        start.wait()
        work(n)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def put_if_absent_race(client, rounds: int) -> int:  # type: ignore[no-untyped-def]
    """Rounds in which other than exactly one of 8 ``attribute_not_exists`` puts of one key won."""
    bad = 0
    for r in range(rounds):
        winners: list[int] = []

        def put(n: int) -> None:
            try:
                client.put_item(TableName=TABLE, Item={"pk": {"S": f"put-{r}"}, "by": {"N": str(n)}},
                                ConditionExpression="attribute_not_exists(pk)")
                winners.append(n)
            except client.exceptions.ConditionalCheckFailedException:
                pass

        _in_threads(put)
        bad += len(winners) != 1
    return bad


def versioned_update_race(client, increments: int) -> int:  # type: ignore[no-untyped-def]
    """Updates lost when 8 threads each make ``increments`` read-then-conditional-write version bumps."""
    key = {"pk": {"S": "versioned"}}
    client.put_item(TableName=TABLE, Item={**key, "version": {"N": "0"}})
    successes: list[int] = []

    def bump(n: int) -> None:
        done = 0
        while done < increments:
            version = int(client.get_item(TableName=TABLE, Key=key, ConsistentRead=True)["Item"]["version"]["N"])
            try:
                client.update_item(TableName=TABLE, Key=key, UpdateExpression="SET #v = :new",
                                   ConditionExpression="#v = :old", ExpressionAttributeNames={"#v": "version"},
                                   ExpressionAttributeValues={":new": {"N": str(version + 1)},
                                                              ":old": {"N": str(version)}})
                done += 1
            except client.exceptions.ConditionalCheckFailedException:
                continue
        successes.append(done)

    _in_threads(bump)
    final = int(client.get_item(TableName=TABLE, Key=key, ConsistentRead=True)["Item"]["version"]["N"])
    return sum(successes) - final


def add_counter_race(client, increments: int) -> int:  # type: ignore[no-untyped-def]
    """Increments lost when 8 threads each ``ADD n :one`` ``increments`` times."""
    key = {"pk": {"S": "counter"}}

    def add(n: int) -> None:
        for _ in range(increments):
            client.update_item(TableName=TABLE, Key=key, UpdateExpression="ADD #n :one",
                               ExpressionAttributeNames={"#n": "n"}, ExpressionAttributeValues={":one": {"N": "1"}})

    _in_threads(add)
    final = int(client.get_item(TableName=TABLE, Key=key, ConsistentRead=True)["Item"]["n"]["N"])
    return THREADS * increments - final


@contextmanager
def tiny_switch_interval() -> Iterator[None]:
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


def race_all(mock: Callable, rounds: int = 40, increments: int = 10) -> dict:  # type: ignore[type-arg]
    from local_aws import make_session

    with mock(), tiny_switch_interval():
        client = _table(make_session())
        return {
            "put_if_absent_bad_rounds": put_if_absent_race(client, rounds),
            "versioned_lost_updates": versioned_update_race(client, increments),
            "add_lost_increments": add_counter_race(client, increments),
        }


if __name__ == "__main__":
    if sys.argv[1] == "plain":
        import moto

        print(json.dumps(race_all(moto.mock_aws)))
    else:
        from local_aws import atomic_mock_aws

        print(json.dumps(race_all(atomic_mock_aws)))
