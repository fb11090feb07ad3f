"""The private directory decrypted files live in: on /dev/shm, mode 0700, gone afterwards."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from trueup.errors import RenderError
from trueup.render.private_dir import MEMORY_FS, PREFIX, private_dir, remove_abandoned


def test_the_directory_is_private_on_the_memory_file_system_and_removed_on_exit() -> None:
    with private_dir() as path:
        (path / "plain.env").write_text("KEY=value\n")
        assert path.parent == MEMORY_FS
        assert path.name.startswith(f"{PREFIX}{os.getpid()}-")
        assert path.stat().st_mode & 0o777 == 0o700

    assert not path.exists()


def test_the_directory_is_removed_when_the_work_in_it_fails() -> None:
    seen: list[Path] = []

    def build() -> None:
        with private_dir() as path:
            seen.append(path)
            (path / "plain.env").write_text("KEY=value\n")
            raise RuntimeError("the build failed")

    with pytest.raises(RuntimeError):
        build()

    assert seen
    assert not seen[0].exists()


def test_a_directory_left_by_a_killed_process_is_removed_by_the_next_render() -> None:
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    dead_pid = int(ended.stdout)
    abandoned = MEMORY_FS / f"{PREFIX}{dead_pid}-abandoned"
    abandoned.mkdir(mode=0o700)
    (abandoned / "plain.env").write_text("KEY=value\n")
    mine = MEMORY_FS / f"{PREFIX}{os.getpid()}-in-use"
    mine.mkdir(mode=0o700)
    try:
        remove_abandoned()

        assert not abandoned.exists()
        assert mine.exists()  # a live process's directory stays
    finally:
        mine.rmdir()


def test_a_base_that_is_not_a_memory_file_system_is_refused(tmp_path: Path) -> None:
    with (
        pytest.raises(RenderError, match="only written to a memory file system"),
        private_dir(tmp_path),
    ):
        pass
