"""Local stand-ins for AWS used by both pipelines: moto in process or moto's server, made atomic per request."""
from .moto_atomic import atomic_mock_aws, serialise_moto_requests
from .server import AtomicMotoServer
from .session import REGION, local_session, make_session

__all__ = ["atomic_mock_aws", "serialise_moto_requests", "AtomicMotoServer", "REGION", "local_session", "make_session"]
