"""Sample recordings made by ffmpeg: the demo's body-camera clip and the test media (nothing is shipped)."""

from __future__ import annotations

import subprocess
from pathlib import Path


def make_clip(
    path: Path, *, seconds: int = 3, size: str = "320x240", created: str = "", gps: str = "", tone: int = 440
) -> Path:
    """A real H.264/AAC MP4 with a test picture and a tone; optionally a creation time and a location tag."""
    tags: list[str] = []
    if created:
        tags += ["-metadata", f"creation_time={created}"]
    if gps:
        tags += ["-metadata", f"location={gps}"]
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"testsrc=duration={seconds}:size={size}:rate=25",
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency={tone}:duration={seconds}",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-shortest",
            *tags,
            "-movflags",
            "+use_metadata_tags",
            str(path),
        ],
        check=True,
    )
    return path
