"""Ingest benchmark: a large generated video through `liuhen import-media`, against the write and hash limits.

    python bench/ingest.py              # a 2 GiB file (raw 720p video in Matroska, made by ffmpeg)
    python bench/ingest.py --gib 0.5    # a quicker run

Baselines, measured in the same run on the same file (read from the page cache by all of them):
- the write limit: `cp FILE DEST && sync`. GNU cp 9 copies with copy_file_range(2): the kernel moves the bytes
  from page cache to page cache and no program ever sees them, which an importer that hashes every byte cannot do;
- the write limit for a program that reads every byte: `dd if=FILE of=DEST bs=8M conv=fsync` (8 MiB reads and
  writes through user memory, then fsync, as the blob store does);
- the hash limit: `openssl dgst -sha256 FILE`.
The importer must hash while it writes (one pass). The measures alternate in ``--rounds`` rounds (default 3),
their order turning each round, each round on a video of its own: the ratios are the medians of the rounds.
The import's fixed cost (process start-up, probe, poster, ledger) is measured in each round by importing a
video of two frames, and the data path is the import minus that cost.
The last line: RESULT ingest bytes=N rounds=R ratio_cp=X ratio_dd=W ratio_openssl=Y fixed_s=F data_ratio_cp=D
data_ratio_dd=E (speed of ingest / speed of the baseline; D and E: the import less its fixed cost against cp+sync
and against dd).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
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


PATTERNS = ["testsrc", "smptebars", "rgbtestsrc", "testsrc2", "smptehdbars", "yuvtestsrc", "pal75bars"]


def make_video(path: Path, frames: int, pattern: str) -> None:
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"{pattern}=size=1280x720:rate=25",
            "-frames:v",
            str(frames),
            "-c:v",
            "rawvideo",
            "-pix_fmt",
            "yuv420p",
            str(path),
        ],
        check=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gib", type=float, default=2.0, help="size of the generated file in GiB (default 2)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of the three (default 3)")
    parser.add_argument("--tmp", default=None, help="working folder (default: system temp)")
    args = parser.parse_args()
    if not 1 <= args.rounds <= len(PATTERNS):
        raise SystemExit(f"bench/ingest.py: --rounds must be 1 to {len(PATTERNS)}")
    work = Path(tempfile.mkdtemp(prefix="liuhen-ingest-", dir=args.tmp))
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIUHEN_")}
    env.update(LIUHEN_HOME=str(work / "home"), PYTHONPATH=str(ROOT / "src"))
    try:
        frames = int(args.gib * 2**30) // FRAME + 1
        # each round imports a video of its own (the same size, other content: a second import of the same
        # bytes is recognised and skipped), and a 2-frame video of its own for the fixed cost
        docks, smalls = [], []
        for r in range(args.rounds):
            dock, small = work / f"dock{r}", work / f"small{r}"
            dock.mkdir()
            small.mkdir()
            log(f"round {r + 1}: generating {frames * FRAME / 2**30:.2f} GiB of raw 720p video ({PATTERNS[r]})")
            make_video(dock / f"DSJ_BENCH001_20261123{9 + r:02d}1500_0001.mkv", frames, PATTERNS[r])
            make_video(small / f"DSJ_BENCH001_20261124{9 + r:02d}1500_0001.mkv", 2, PATTERNS[r])
            docks.append(dock)
            smalls.append(small)
        video = next(docks[0].iterdir())
        size = video.stat().st_size
        log("setting up an instance")
        for cmd in (
            ["init", "--admin-password", "Bench-pass-2026!"],
            ["demo"],
            ["device", "BENCH001", "--officer", "zhangwei"],
        ):
            subprocess.run(liuhen(work, *cmd), env=env, check=True, stdout=subprocess.DEVNULL)
        rounds: list[dict[str, float]] = []
        order = ["cp", "dd", "openssl", "ingest"]
        for r in range(args.rounds):
            mine = next(docks[r].iterdir())
            subprocess.run(["cat", str(mine)], stdout=subprocess.DEVNULL, check=True)  # same warm cache for all
            results: dict[str, float] = {}
            for name in order[r % 4 :] + order[: r % 4]:  # the order turns each round
                subprocess.run(["sync"], check=True)
                if name == "cp":
                    dest = work / "copy.mkv"
                    results[name] = timed(f"cp '{mine}' '{dest}' && sync", shell=True)
                    dest.unlink()
                elif name == "dd":
                    dest = work / "copy.mkv"
                    results[name] = timed(["dd", f"if={mine}", f"of={dest}", "bs=8M", "conv=fsync", "status=none"])
                    dest.unlink()
                elif name == "openssl":
                    results[name] = timed(["openssl", "dgst", "-sha256", str(mine)], stdout=subprocess.DEVNULL)
                else:
                    results[name] = timed(
                        liuhen(work, "import-media", str(docks[r]), "--device", "BENCH001"),
                        env=env,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
            # the import's fixed cost: start-up, probe, poster, ledger, for a file of two frames
            results["fixed"] = timed(
                liuhen(work, "import-media", str(smalls[r]), "--device", "BENCH001"),
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            rounds.append(results)
            log(
                f"  round {r + 1}: "
                + "  ".join(f"{k} {v:.2f} s" for k, v in results.items())
                + f"  (ingest {size / results['ingest'] / 2**20:.0f} MiB/s,"
                + f" cp {size / results['cp'] / 2**20:.0f} MiB/s)"
            )
        verify = subprocess.run(liuhen(work, "verify"), env=env, capture_output=True, text=True)
        if verify.returncode != 0:
            raise SystemExit(f"verify failed after ingest:\n{verify.stdout}")
        ratio_cp = statistics.median(x["cp"] / x["ingest"] for x in rounds)
        ratio_openssl = statistics.median(x["openssl"] / x["ingest"] for x in rounds)
        fixed = statistics.median(x["fixed"] for x in rounds)
        data_cp = statistics.median(x["cp"] / max(x["ingest"] - x["fixed"], 1e-6) for x in rounds)
        ratio_dd = statistics.median(x["dd"] / x["ingest"] for x in rounds)
        data_dd = statistics.median(x["dd"] / max(x["ingest"] - x["fixed"], 1e-6) for x in rounds)
        log(
            f"median of {args.rounds} rounds: ingest at {ratio_cp:.2f}x cp+sync, {ratio_openssl:.2f}x openssl; "
            f"fixed cost {fixed:.2f} s; data path {data_cp:.2f}x cp+sync, {data_dd:.2f}x dd (target >= 0.80)"
        )
        print(
            f"RESULT ingest bytes={size} rounds={args.rounds} ratio_cp={ratio_cp:.2f} ratio_dd={ratio_dd:.2f} "
            f"ratio_openssl={ratio_openssl:.2f} fixed_s={fixed:.2f} data_ratio_cp={data_cp:.2f} "
            f"data_ratio_dd={data_dd:.2f}"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
