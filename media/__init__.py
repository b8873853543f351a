"""The shared media core: probe, split, encode and assemble with real ffmpeg. Used by both pipelines."""
from .chunking import ChunkSpec, plan_chunks, split
from .config import EncodeSettings, Limits, PipelineSettings, ffmpeg_binary
from .encode import assemble, encode_chunk, encode_whole
from .errors import (
    CorruptMediaError,
    EmptyInputError,
    EncodeError,
    LimitExceededError,
    MediaError,
    NotAVideoError,
    NoVideoStreamError,
    UnsupportedFormatError,
)
from .frames import framemd5
from .probe import VideoInfo, count_frames, probe
from .validate import check_limits

__all__ = [
    "ChunkSpec", "plan_chunks", "split", "EncodeSettings", "Limits", "PipelineSettings", "ffmpeg_binary",
    "assemble", "encode_chunk", "encode_whole", "CorruptMediaError", "EmptyInputError", "EncodeError",
    "LimitExceededError", "MediaError", "NotAVideoError", "NoVideoStreamError", "UnsupportedFormatError",
    "framemd5", "VideoInfo", "count_frames", "probe", "check_limits",
]
