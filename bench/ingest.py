"""Ingest benchmark: a large generated video through `liuhen import-media`, against the write and hash limits.

    python bench/ingest.py              # a 2 GiB file (raw 720p video in Matroska, made by ffmpeg)
    python bench/ingest.py --gib 0.5    # a quicker run

Baselines, measured in the same run on the same file (read from the page cache by all three):
- the write limit: `cp FILE DEST && sync`;
- the hash limit: `openssl dgst -sha256 FILE`.
The importer must hash while it writes (one pass); its speed is compared with the slower baseline.
The last line: RESULT ingest bytes=N ratio_cp=X ratio_openssl=Y (speed of ingest / speed of the baseline).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FRAME = 1280 * 720 * 3 // 2  # one yuv420p frame


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def timed(cmd: list[str] | str, **kw: object) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, **kw)  # type: ignore[call-overload]
    return time.perf_counter() - start


def liuhen(home: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "liuhen.cli", *args]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gib", type=float, default=2.0, help="size of the generated file in GiB (default 2)")
    parser.add_argument("--tmp", default=None, help="working folder (default: system temp)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="liuhen-ingest-", dir=args.tmp))
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIUHEN_")}
    env.update(LIUHEN_HOME=str(work / "home"), PYTHONPATH=str(ROOT / "src"))
    try:
        dock = work / "dock"
        dock.mkdir()
        video = dock / "DSJ_BENCH001_20261123091500_0001.mkv"
        frames = int(args.gib * 2**30) // FRAME + 1
        log(f"generating {frames * FRAME / 2**30:.2f} GiB of raw 720p video with ffmpeg")
        subprocess.run(
            [
                "ffmpeg",
                "-v",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                "testsrc=size=1280x720:rate=25",
                "-frames:v",
                str(frames),
                "-c:v",
                "rawvideo",
                "-pix_fmt",
                "yuv420p",
                str(video),
            ],
            check=True,
        )
        size = video.stat().st_size
        log("setting up an instance")
        for cmd in (
            ["init", "--admin-password", "Bench-pass-2026!"],
            ["demo"],
            ["device", "BENCH001", "--officer", "zhangwei"],
        ):
            subprocess.run(liuhen(work, *cmd), env=env, check=True, stdout=subprocess.DEVNULL)
        subprocess.run(["cat", str(video)], stdout=subprocess.DEVNULL, check=True)  # same warm cache for all
        results: dict[str, float] = {}
        for name in ("cp", "openssl", "ingest"):
            subprocess.run(["sync"], check=True)
            if name == "cp":
                dest = work / "copy.mkv"
                results[name] = timed(f"cp '{video}' '{dest}' && sync", shell=True)
                dest.unlink()
            elif name == "openssl":
                results[name] = timed(["openssl", "dgst", "-sha256", str(video)], stdout=subprocess.DEVNULL)
            else:
                results[name] = timed(
                    liuhen(work, "import-media", str(dock), "--device", "BENCH001"),
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            log(f"  {name:8s} {results[name]:6.2f} s  {size / results[name] / 2**20:7.1f} MiB/s")
        verify = subprocess.run(liuhen(work, "verify"), env=env, capture_output=True, text=True)
        if verify.returncode != 0:
            raise SystemExit(f"verify failed after ingest:\n{verify.stdout}")
        ratio_cp = results["cp"] / results["ingest"]
        ratio_openssl = results["openssl"] / results["ingest"]
        slower = "cp" if results["cp"] > results["openssl"] else "openssl"
        log(f"ingest runs at {results[slower] / results['ingest']:.2f}x the slower baseline ({slower}); target >= 0.80")
        print(f"RESULT ingest bytes={size} ratio_cp={ratio_cp:.2f} ratio_openssl={ratio_openssl:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
