from __future__ import annotations

from pathlib import Path

from liuhen.media.samples import make_clip


def synthesise(
    path: Path,
    seconds: int = 3,
    created: str = "2026-11-20T01:00:00Z",
    gps: str = "+31.2304+121.4737/",
    tone: int = 440,
) -> Path:
    """A real H.264/AAC MP4 with a creation time and a location, made by ffmpeg."""
    return make_clip(path, seconds=seconds, created=created, gps=gps, tone=tone)
