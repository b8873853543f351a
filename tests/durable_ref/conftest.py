"""Fixtures of the durable reference's tests."""
from __future__ import annotations

from typing import Iterator

import boto3
import pytest

from local_aws import atomic_mock_aws, make_session


@pytest.fixture
def session() -> Iterator[boto3.Session]:
    """A Session on moto in process, atomic per request as DynamoDB and S3 are."""
    with atomic_mock_aws():
        yield make_session()
