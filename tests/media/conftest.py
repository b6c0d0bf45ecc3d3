from __future__ import annotations

import subprocess
from pathlib import Path

import pytest


def synthesise(
    path: Path,
    seconds: int = 3,
    created: str = "2026-11-20T01:00:00Z",
    gps: str = "+31.2304+121.4737/",
    tone: int = 440,
) -> Path:
    """A real H.264/AAC MP4 with a creation time and a location, made by ffmpeg."""
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"testsrc=duration={seconds}:size=320x240:rate=25",
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
            "-metadata",
            f"creation_time={created}",
            "-metadata",
            f"location={gps}",
            "-movflags",
            "+use_metadata_tags",
            str(path),
        ],
        check=True,
    )
    return path


@pytest.fixture
def blob_root(tmp_path: Path, settings) -> Path:  # type: ignore[no-untyped-def]
    root = tmp_path / "blobs"
    settings.STORAGE_URL = f"file://{root}"
    return root
