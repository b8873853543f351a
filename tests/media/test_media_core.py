"""The shared media core on real ffmpeg: probing, exact chunking, encoding, assembly, typed errors."""
from __future__ import annotations

from pathlib import Path

import pytest

import media
from media import layout
from media.chunking import keyframes_aligned, plan_chunks


def test_probe_reports_stream_facts(small_video: Path) -> None:
    info = media.probe(small_video)
    assert (info.container, info.video_codec, info.width, info.height) == ("mp4", "h264", 320, 240)
    assert info.frames == 120 and info.fps == 30.0 and abs(info.duration_s - 4.0) < 1e-9
    assert info.has_audio and info.audio_codec == "aac"
    assert info.keyframes == (0, 60)


def test_plan_chunks_covers_every_frame() -> None:
    plan = plan_chunks(150, 30.0, 2.0)
    assert [(c.start_frame, c.frames) for c in plan] == [(0, 60), (60, 60), (120, 30)]
    assert sum(c.frames for c in plan_chunks(7777, 29.97, 0.5)) == 7777


@pytest.mark.parametrize("fixture", ["small_video", "small_video_unaligned"])
def test_split_encode_assemble_keeps_every_frame(fixture: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    source = request.getfixturevalue(fixture)
    info = media.probe(source)
    chunks = media.split(source, info, tmp_path / "chunks", 2.0)
    plan = plan_chunks(info.frames, info.fps, 2.0)
    assert [media.count_frames(c) for c in chunks] == [c.frames for c in plan]
    if fixture == "small_video_unaligned":
        assert not keyframes_aligned(info, plan)
    parts = []
    for index, chunk in enumerate(chunks):
        part = tmp_path / f"enc_{index}.mp4"
        assert media.encode_chunk(chunk, part, media.EncodeSettings()) == plan[index].frames
        parts.append(part)
    out = tmp_path / "out.mp4"
    assert media.assemble(parts, source, info.audio_codec, out, info.frames) == info.frames
    result = media.probe(out)
    assert result.frames == info.frames and result.has_audio
    assert abs(result.duration_s - info.duration_s) <= 1 / info.fps
    assert len(media.framemd5(out)) == info.frames


def test_encoding_is_deterministic(small_video: Path, tmp_path: Path) -> None:
    info = media.probe(small_video)
    chunk = media.split(small_video, info, tmp_path / "c", 2.0)[0]
    media.encode_chunk(chunk, tmp_path / "a.mp4", media.EncodeSettings())
    media.encode_chunk(chunk, tmp_path / "b.mp4", media.EncodeSettings())
    assert media.framemd5(tmp_path / "a.mp4") == media.framemd5(tmp_path / "b.mp4")
    assert (tmp_path / "a.mp4").read_bytes() == (tmp_path / "b.mp4").read_bytes()


def test_failed_assembly_publishes_nothing(small_video: Path, tmp_path: Path) -> None:
    info = media.probe(small_video)
    chunks = media.split(small_video, info, tmp_path / "c", 2.0)
    part = tmp_path / "p0.mp4"
    media.encode_chunk(chunks[0], part, media.EncodeSettings())
    with pytest.raises(media.EncodeError, match="expected 120"):
        media.assemble([part], small_video, "aac", tmp_path / "out.mp4", info.frames)
    assert not (tmp_path / "out.mp4").exists()


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("zero_bytes", media.EmptyInputError),
        ("text_named_mp4", media.NotAVideoError),
        ("truncated_mp4", media.CorruptMediaError),
    ],
)
def test_bad_inputs_raise_typed_errors(name: str, error: type, bad_inputs: dict[str, Path]) -> None:
    with pytest.raises(error):
        media.probe(bad_inputs[name])


def test_audio_only_has_no_video(audio_only: Path) -> None:
    with pytest.raises(media.NoVideoStreamError):
        media.probe(audio_only)


def test_limits(bad_inputs: dict[str, Path], small_video: Path) -> None:
    with pytest.raises(media.LimitExceededError, match="over the limit of 5 s"):
        media.check_limits(media.probe(bad_inputs["long"]), media.Limits(max_duration_s=5))
    with pytest.raises(media.LimitExceededError, match="resolution 320x240"):
        media.check_limits(media.probe(small_video), media.Limits(max_width=160, max_height=120))
    with pytest.raises(media.UnsupportedFormatError):
        media.check_limits(media.probe(small_video), media.Limits(allowed_codecs=frozenset({"vp9"})))
    media.check_limits(media.probe(small_video), media.Limits())


@pytest.mark.parametrize("job_id", ["../etc", "a/b", "", "x" * 65, "-lead", "a b", None, "ok\n"])
def test_bad_job_ids_are_rejected(job_id: object) -> None:
    with pytest.raises(layout.InvalidJobRequestError):
        layout.check_job_id(job_id)


@pytest.mark.parametrize("key", ["../x.mp4", "/abs.mp4", "a//b.mp4", "a/../b.mp4", "a/./b", "x\x00.mp4"])
def test_bad_input_keys_are_rejected(key: str) -> None:
    with pytest.raises(layout.InvalidJobRequestError):
        layout.check_input_key(key)


def test_ffmpeg_binary_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FFMPEG_BINARY", "/nonexistent/ffmpeg")
    assert media.ffmpeg_binary() == "/nonexistent/ffmpeg"
    monkeypatch.delenv("FFMPEG_BINARY")
    assert Path(media.ffmpeg_binary()).exists()


@pytest.mark.parametrize("container", ["mp4", "matroska", "mpegts", "flv"])
def test_count_frames_agrees_with_a_full_probe_in_every_container(
    container: str, small_video: Path, tmp_path: Path
) -> None:
    # count_frames opens files without probing codec parameters; the count must not depend on that.
    import ffmpeg

    from media.ffmpeg_run import run_stream

    remuxed = tmp_path / f"video.{container}"
    run_stream(ffmpeg.input(str(small_video)).output(str(remuxed), map="0:v:0", c="copy", f=container),
               what="remuxing")
    assert media.count_frames(remuxed) == media.probe(small_video).frames == 120
