"""Atomic writes: an interrupted write never replaces a good file."""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
import time

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


@pytest.mark.skipif(
    os.name != "posix" or os.geteuid() == 0, reason="root can write anywhere"
)
def test_read_only_directory_keeps_old_file(tmp_path):
    target = tmp_path / "pred.csv"
    target.write_text("good")
    tmp_path.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        with pytest.raises(PermissionError):
            atomic_write_text(target, "new")
    finally:
        tmp_path.chmod(stat.S_IRWXU)
    assert target.read_text() == "good"


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
