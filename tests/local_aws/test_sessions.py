"""Local Sessions: a sibling sees the same moto but none of the run's hooks, and every Session of the process
parses botocore's models through one loader."""
from __future__ import annotations

from local_aws import atomic_mock_aws, make_session, sibling_session


def test_sibling_session_reaches_the_same_moto_without_the_run_hooks() -> None:
    with atomic_mock_aws():
        session = make_session()
        seen: list[str] = []
        session.events.register("before-call", lambda model, **_: seen.append(model.name))
        sibling = sibling_session(session)
        sibling.client("s3").create_bucket(Bucket="sibling-bucket")
        assert seen == []
        names = [bucket["Name"] for bucket in session.client("s3").list_buckets()["Buckets"]]
        assert names == ["sibling-bucket"] and seen == ["ListBuckets"]
        assert sibling.get_credentials().access_key == session.get_credentials().access_key
        assert sibling.region_name == session.region_name


def test_sessions_share_one_model_loader_with_each_search_path_once() -> None:
    first, second = make_session(), make_session()
    loader = first._session.get_component("data_loader")
    assert second._session.get_component("data_loader") is loader
    assert sibling_session(first)._session.get_component("data_loader") is loader
    for _ in range(5):
        make_session()
    assert len(loader.search_paths) == len(set(loader.search_paths))
    # a model parsed for one Session is served to the next from the loader's cache
    first.client("dynamodb")
    assert loader.load_service_model("dynamodb", "service-2") is loader.load_service_model("dynamodb", "service-2")
