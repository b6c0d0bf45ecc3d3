"""More of the `liuhen` command: cleaning up after a crash, and witnesses cosigning the ledger's checkpoints."""

from __future__ import annotations

from liuhen.cli import err


def remove_stale_temp() -> None:
    """Temporary ingest files left by an import that crashed (none that a running import holds)."""
    from liuhen.media.tempfiles import remove_stale

    for t in remove_stale():
        err.print(f"已清除中断导入遗留的临时文件 {t.path}（{t.size} 字节）", highlight=False)
