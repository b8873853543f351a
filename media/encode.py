"""Encode one chunk, concatenate encoded chunks with the source audio, or encode a whole file at once."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Sequence

import ffmpeg

from .config import EncodeSettings
from .errors import EncodeError
from .ffmpeg_run import run_stream
from .probe import count_frames

# Audio codecs an mp4 can carry as they are; anything else is re-encoded to AAC once, at assembly.
_MP4_AUDIO_COPY = {"aac", "mp3", "alac", "opus", "ac3", "eac3", "flac"}

_BITEXACT = {"fflags": "+bitexact", "flags:v": "+bitexact"}


def _video_options(settings: EncodeSettings, threads: int) -> dict:
    return {
        "map": "0:v:0",
        "an": None,
        "vcodec": settings.codec,
        "preset": settings.preset,
        "crf": settings.crf,
        "threads": threads,
        "pix_fmt": settings.pix_fmt,
        # Keep every input frame: no duplication or dropping to a constant rate.
        "fps_mode": "passthrough",
        **_BITEXACT,
    }


def encode_chunk(source: str | os.PathLike, target: str | os.PathLike, settings: EncodeSettings) -> int:
    """Encode the video of ``source`` to ``target`` (mp4, no audio); return its frame count."""
    target = Path(target)
    stream = ffmpeg.input(os.fspath(source)).output(str(target), f="mp4", **_video_options(settings, settings.threads))
    run_stream(stream, what="encoding a chunk")
    return count_frames(target)


def assemble(
    parts: Sequence[str | os.PathLike],
    audio_source: str | os.PathLike | None,
    audio_codec: str | None,
    target: str | os.PathLike,
    expected_frames: int,
) -> int:
    """Concatenate encoded ``parts`` (stream copy) and mux the audio of ``audio_source`` once.

    Writes to a temporary file beside ``target`` and renames it into place only once its frame count is
    ``expected_frames``, so a failed assembly never leaves a half-written output.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        listing = Path(tmp) / "parts.txt"
        listing.write_text("".join(f"file '{Path(p).resolve().as_posix()}'\n" for p in parts))
        partial = Path(tmp) / ("partial" + target.suffix)
        video = ffmpeg.input(str(listing), f="concat", safe=0)
        inputs = [video["v:0"]]
        options: dict = {"vcodec": "copy", "movflags": "+faststart", **_BITEXACT}
        if audio_source is not None and audio_codec is not None:
            inputs.append(ffmpeg.input(os.fspath(audio_source))["a:0"])
            options["acodec"] = "copy" if audio_codec in _MP4_AUDIO_COPY else "aac"
        run_stream(ffmpeg.output(*inputs, str(partial), **options), what="assembling the output")
        frames = count_frames(partial)
        if frames != expected_frames:
            raise EncodeError(f"assembled output has {frames} frames, expected {expected_frames}")
        os.replace(partial, target)
    return frames


def encode_whole(source: str | os.PathLike, target: str | os.PathLike, settings: EncodeSettings, threads: int = 0) -> None:
    """One monolithic ffmpeg encode with the same settings: the reference the benchmarks time against."""
    src = ffmpeg.input(os.fspath(source))
    options = _video_options(settings, threads)
    options.pop("an")
    options.pop("map")
    streams = [src["v:0"]]
    probe_audio = True
    try:
        import av

        with av.open(os.fspath(source)) as container:
            probe_audio = bool(container.streams.audio)
    except Exception:  # probing is best effort here; ffmpeg reports a real problem below
        probe_audio = False
    if probe_audio:
        streams.append(src["a:0"])
        options["acodec"] = "copy"
    run_stream(ffmpeg.output(*streams, os.fspath(target), movflags="+faststart", **options), what="monolithic encode")
