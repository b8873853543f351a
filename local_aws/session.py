"""boto3 sessions for local runs: fake credentials and a fixed region unless the environment sets them."""
from __future__ import annotations

import contextlib
import functools
import os
import threading

import boto3
import botocore.loaders
import botocore.session

REGION = "us-east-1"


@functools.cache
def _model_loader() -> botocore.loaders.Loader:
    # botocore parses a service's JSON models once per Session (about 0.1 s for S3 and DynamoDB); the
    # local Sessions of one process share a loader, so each model is parsed once.
    return botocore.loaders.create_loader(os.environ.get("AWS_DATA_PATH"))


_SESSIONS_LOCK = threading.Lock()


def _session(**options: str | None) -> boto3.session.Session:
    core = botocore.session.get_session()
    core.register_component("data_loader", _model_loader())
    with _SESSIONS_LOCK:
        session = boto3.session.Session(botocore_session=core, **options)
        # boto3 appends its own data path to the loader of every Session it builds: keep it once.
        paths = _model_loader().search_paths
        if len(paths) > 1 and paths[-1] in paths[:-1]:
            paths.pop()
    return session


@functools.cache
def regions_session() -> boto3.session.Session:
    """A Session from the environment, as moto builds to list regions, on the shared model loader."""
    return _session()


def make_session(region: str | None = None) -> boto3.session.Session:
    """A fresh boto3 session. With no AWS credentials in the environment (the usual local case) it uses
    moto's fake ones, so nothing can reach a real account by accident."""
    region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or REGION
    if os.environ.get("AWS_ACCESS_KEY_ID") or os.environ.get("AWS_PROFILE"):
        return _session(region_name=region)
    return _session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region)


def sibling_session(session: boto3.session.Session) -> boto3.session.Session:
    """A Session with the credentials and region of ``session`` but none of its event hooks (so counters
    registered on ``session`` do not see its calls)."""
    credentials = session.get_credentials().get_frozen_credentials()
    return _session(
        aws_access_key_id=credentials.access_key,
        aws_secret_access_key=credentials.secret_key,
        aws_session_token=credentials.token,
        region_name=session.region_name,
    )


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
