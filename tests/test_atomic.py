"""Atomic writes: an interrupted write never replaces a good file."""

from __future__ import annotations

import errno
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from kerasopt import _atomic
from kerasopt._atomic import atomic_write, atomic_write_bytes, atomic_write_text


def _leftovers(directory):
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_writes_new_file_and_replaces_old(tmp_path):
    target = tmp_path / "out.csv"
    atomic_write_text(target, "a,b\n1,2\n")
    assert target.read_text() == "a,b\n1,2\n"
    atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"new"
    assert _leftovers(tmp_path) == []


def test_exception_mid_write_keeps_old_file(tmp_path):
    target = tmp_path / "model.bin"
    target.write_bytes(b"good")
    with pytest.raises(RuntimeError, match="boom"):
        with atomic_write(target) as fh:
            fh.write(b"half of a new fi")
            raise RuntimeError("boom")
    assert target.read_bytes() == b"good"
    assert _leftovers(tmp_path) == []


def test_full_disk_keeps_old_file(tmp_path, monkeypatch):
    target = tmp_path / "report.html"
    target.write_text("good")

    def no_space(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(_atomic.os, "fsync", no_space)
    with pytest.raises(OSError, match="No space left"):
        atomic_write_text(target, "x" * 10_000)
    assert target.read_text() == "good"
    assert _leftovers(tmp_path) == []


def test_unwritable_directory_keeps_old_file(tmp_path, monkeypatch):
    target = tmp_path / "pred.csv"
    target.write_text("good")

    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp_path))

    # Running as root ignores chmod, so the refusal is simulated at its source.
    monkeypatch.setattr(_atomic.tempfile, "mkstemp", denied)
    with pytest.raises(PermissionError):
        atomic_write_text(target, "new")
    assert target.read_text() == "good"


def _raised(action: Callable[[], object]) -> str:
    """The name of the exception ``action()`` raises, "" if none."""
    try:
        action()
    except Exception as exc:  # noqa: BLE001 - named for the assertion
        return type(exc).__name__
    return ""


def _raised_as_nobody(action: Callable[[], object]) -> str:
    """:func:`_raised` in a forked child running as user nobody."""
    import pwd

    nobody = pwd.getpwnam("nobody")
    read, send = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        os.setgid(nobody.pw_gid)
        os.setuid(nobody.pw_uid)
        os.write(send, _raised(action).encode())
        os._exit(0)  # no pytest teardown in the child
    os.close(send)
    with os.fdopen(read) as pipe:
        raised = pipe.read()
    os.waitpid(pid, 0)
    return raised


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_read_only_directory_keeps_old_file(tmp_path):
    # Root may write anywhere (CI runs as root): the write then runs as user
    # nobody, in a folder nobody owns (pytest's tmp_path is its owner's only).
    root = os.geteuid() == 0
    folder = Path(tempfile.mkdtemp(prefix="kerasopt-ro-")) if root else tmp_path
    target = folder / "pred.csv"
    target.write_text("good")
    if root:
        import pwd

        nobody = pwd.getpwnam("nobody")
        for path in (folder, target):
            os.chown(path, nobody.pw_uid, nobody.pw_gid)
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        write = lambda: atomic_write_text(target, "new")  # noqa: E731
        raised = _raised_as_nobody(write) if root else _raised(write)
    finally:
        folder.chmod(stat.S_IRWXU)
    try:
        assert raised == "PermissionError"
        assert target.read_text() == "good"
        assert _leftovers(folder) == []
    finally:
        if root:
            shutil.rmtree(folder)


def test_missing_directory_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        atomic_write_text(tmp_path / "nope" / "out.csv", "x")


def test_bad_mode_is_refused(tmp_path):
    with pytest.raises(ValueError, match="mode must be"):
        with atomic_write(tmp_path / "x", mode="a"):
            pass


def test_keeps_mode_of_replaced_file(tmp_path):
    target = tmp_path / "shared.csv"
    target.write_text("old")
    target.chmod(0o640)
    atomic_write_text(target, "new")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")
def test_sigkill_mid_write_keeps_old_file(tmp_path):
    target = tmp_path / "big.bin"
    target.write_bytes(b"good")
    started = tmp_path / "started"
    script = (
        "import sys, time\n"
        "from kerasopt._atomic import atomic_write\n"
        f"with atomic_write({str(target)!r}) as fh:\n"
        "    fh.write(b'partial' * 1000)\n"
        "    fh.flush()\n"
        f"    open({str(started)!r}, 'w').close()\n"
        "    time.sleep(60)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.monotonic() + 60
        while not started.exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the writer process did not start writing")
            time.sleep(0.05)
        proc.kill()
    finally:
        proc.wait()
    assert target.read_bytes() == b"good"
