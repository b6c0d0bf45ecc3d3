"""An instance's files are its service account's alone: folders 0700, files 0600, stored blobs 0400.

The process creates everything under a umask of 077 (set with the settings, whatever the shell's umask),
and the places that matter set their modes explicitly as well, so that a database, a key, a blob or a log
is never readable by another account of the machine. `liuhen init` tightens an existing instance.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

UMASK = 0o077
DIR_MODE = 0o700
FILE_MODE = 0o600
BLOB_MODE = 0o400  # a stored blob is never written again


def make_dirs(path: Path) -> Path:
    """Create the folder and any missing parents, each 0700 whatever the umask."""
    missing = []
    for p in (path, *path.parents):
        if p.exists():
            break
        missing.append(p)
    for p in reversed(missing):
        try:
            p.mkdir(mode=DIR_MODE)
        except FileExistsError:
            continue
        os.chmod(p, DIR_MODE)
    return path


def tighten(home: Path) -> int:
    """Take group and other permissions off every folder and file under ``home``; returns how many changed."""
    changed = 0
    for root, dirs, files in os.walk(home, followlinks=False):
        for name in [*dirs, *files, *([""] if root == str(home) else [])]:
            path = Path(root) / name if name else Path(root)
            st = path.lstat()
            if stat.S_ISLNK(st.st_mode) or not st.st_mode & 0o077:
                continue
            os.chmod(path, stat.S_IMODE(st.st_mode) & 0o700)
            changed += 1
    return changed


def private_instance() -> None:
    """An instance made before its files were private: every folder 0700, every file 0600 (blobs 0400), and
    a SQLite database outside LIUHEN_HOME 0600 as well."""
    from django.conf import settings
    from django.db import connection

    tighten(settings.HOME)
    if connection.vendor == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            path = Path(f"{connection.settings_dict['NAME']}{suffix}")
            if path.exists():
                path.chmod(FILE_MODE)
