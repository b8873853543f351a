"""boto3 sessions for local runs: fake credentials and a fixed region unless the environment sets them."""
from __future__ import annotations

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
