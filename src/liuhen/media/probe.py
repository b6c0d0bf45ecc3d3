"""What a media file says about itself (ffprobe), and a poster frame (ffmpeg). Debian's ffmpeg, JSON output."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from liuhen.core.errors import InvalidInput


@dataclass(frozen=True)
class MediaInfo:
    container: str = ""
    duration_ms: int | None = None
    video_codec: str = ""
    audio_codec: str = ""
    width: int | None = None
    height: int | None = None
    created: datetime | None = None
    gps: str = ""


def probe(path: Path) -> MediaInfo:
    try:
        out = subprocess.run(
            ["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams", str(path)],
            capture_output=True,
            text=True,
            timeout=120,
        )
    except FileNotFoundError:
        raise InvalidInput("找不到 ffprobe：请安装 ffmpeg") from None
    if out.returncode != 0:
        raise InvalidInput(f"{path.name} 不是可识别的音视频文件：{out.stderr.strip()[:200]}")
    data = json.loads(out.stdout)
    fmt = data.get("format", {})
    tags = {k.lower(): v for k, v in (fmt.get("tags") or {}).items()}
    streams: list[dict[str, Any]] = data.get("streams", [])
    video: dict[str, Any] = next((s for s in streams if s.get("codec_type") == "video"), {})
    audio: dict[str, Any] = next((s for s in streams if s.get("codec_type") == "audio"), {})
    created = None
    if tags.get("creation_time"):
        try:
            created = datetime.fromisoformat(tags["creation_time"].replace("Z", "+00:00"))
        except ValueError:
            created = None
    location = tags.get("location") or tags.get("com.apple.quicktime.location.iso6709") or ""
    gps = ""
    m = re.match(r"([+-]\d+(?:\.\d+)?)([+-]\d+(?:\.\d+)?)", location)
    if m:
        gps = f"{float(m.group(1)):.6f},{float(m.group(2)):.6f}"
    duration = fmt.get("duration")
    return MediaInfo(
        container=str(fmt.get("format_name", "")).split(",")[0],
        duration_ms=int(float(duration) * 1000) if duration else None,
        video_codec=str(video.get("codec_name", "")),
        audio_codec=str(audio.get("codec_name", "")),
        width=video.get("width"),
        height=video.get("height"),
        created=created,
        gps=gps,
    )


def poster(path: Path, at_seconds: float = 1.0) -> bytes | None:
    """A JPEG frame 320 px wide, or None for audio-only files."""
    for seek in (at_seconds, 0.0):
        out = subprocess.run(
            [
                "ffmpeg",
                "-v",
                "error",
                "-ss",
                str(seek),
                "-i",
                str(path),
                "-frames:v",
                "1",
                "-vf",
                "scale=320:-2",
                "-f",
                "image2",
                "-c:v",
                "mjpeg",
                "pipe:1",
            ],
            capture_output=True,
            timeout=120,
        )
        if out.returncode == 0 and out.stdout:
            return out.stdout
    return None


# Body-camera file names: a device number and a 14-digit timestamp in some order, e.g.
# DSJ_3201001_20261123091500_0001.MP4, 20261123_091500_3201001.mp4, 3201001-20261123091500.MP4
_STAMP = re.compile(r"(?<!\d)(20\d{2})(\d{2})(\d{2})[_-]?(\d{2})(\d{2})(\d{2})(?!\d)")
_SKIP_TOKENS = {"DSJ", "VID", "IMG", "MOV", "REC", "AUD", "MP4", "AVI", "WAV"}


def parse_camera_name(name: str) -> tuple[str, datetime | None]:
    """(device token, local timestamp) from a body-camera file name; either may be missing."""
    stem = Path(name).stem
    stamp = _STAMP.search(stem)
    when = None
    if stamp:
        try:
            y, mo, d, h, mi, sec = (int(g) for g in stamp.groups())
            when = datetime(y, mo, d, h, mi, sec)
        except ValueError:
            when = None
        stem = stem[: stamp.start()] + "_" + stem[stamp.end() :]
    tokens = [t for t in re.split(r"[_\-. ]+", stem) if t and t.upper() not in _SKIP_TOKENS]
    device = next((t for t in tokens if re.search(r"\d", t) and len(t) >= 4), "")
    return device, when
