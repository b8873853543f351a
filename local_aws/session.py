"""boto3 sessions for local runs: fake credentials and a fixed region unless the environment sets them."""
from __future__ import annotations

import contextlib
import os

import boto3

REGION = "us-east-1"


def make_session(region: str | None = None) -> boto3.session.Session:
    """A fresh boto3 session. With no AWS credentials in the environment (the usual local case) it uses
    moto's fake ones, so nothing can reach a real account by accident."""
    region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or REGION
    if os.environ.get("AWS_ACCESS_KEY_ID") or os.environ.get("AWS_PROFILE"):
        return boto3.session.Session(region_name=region)
    return boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region)


def local_session(
    stack: contextlib.ExitStack, session: boto3.session.Session | None = None, endpoint_url: str | None = None
) -> boto3.session.Session:
    """The Session a local run talks to AWS through: ``session`` when given; otherwise a fresh one, with moto
    running in process until ``stack`` closes, unless ``endpoint_url`` or ``AWS_ENDPOINT_URL`` names a server."""
    if session is not None:
        return session
    if endpoint_url is None and not os.environ.get("AWS_ENDPOINT_URL"):
        from .moto_atomic import atomic_mock_aws

        stack.enter_context(atomic_mock_aws())
    return make_session()
