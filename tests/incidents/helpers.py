"""A real small filesystem for the evidence store, to fill up or make read-only."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

PAGE = 4096
FILLER = "filler"  # the file that takes the space; not evidence, never removed by the code


class SmallDisk:
    """A tmpfs of a few pages, mounted for one test.

    Real ENOSPC and EROFS from the kernel, not a mocked storage. Mounting
    needs root with CAP_SYS_ADMIN (CI's container has it; so does the
    development machine). Elsewhere the test is skipped, and under
    FLAGPOST_REQUIRE_SERVICES=1 (CI) it fails instead, so CI can't go green
    without the drill. RLIMIT_FSIZE was no substitute: it raises EFBIG and
    SIGXFSZ, not the "disk full" a store really meets. chmod 000 neither:
    the suite runs as root, whom permissions don't stop.
    """

    def __init__(self, path: Path, *, pages: int = 32) -> None:
        self.path = path
        self.pages = pages

    def mount(self, *, read_only: bool = False) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        options = f"size={self.pages * PAGE},mode=0755" + (",ro" if read_only else "")
        result = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(self.path)],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            message = (
                "the disk-full drills mount a small tmpfs, which needs root with CAP_SYS_ADMIN: "
                + result.stderr.strip()
            )
            if os.environ.get("FLAGPOST_REQUIRE_SERVICES") == "1":
                pytest.fail(f"required service missing: {message}")
            pytest.skip(message)

    def unmount(self) -> None:
        subprocess.run(["umount", str(self.path)], check=False, capture_output=True)

    def fill(self, *, leave_pages: int = 0) -> None:
        """Take all the space, then give back ``leave_pages`` pages."""
        fd = os.open(self.path / FILLER, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        try:
            while True:
                os.write(fd, b"\0" * PAGE)
        except OSError:
            pass  # the disk is full: that is the point
        finally:
            os.close(fd)
        filler = self.path / FILLER
        os.truncate(filler, max(filler.stat().st_size - leave_pages * PAGE, 0))

    def free(self) -> None:
        (self.path / FILLER).unlink(missing_ok=True)

    def files(self) -> list[str]:
        """Every file on the disk but the filler: what the evidence store holds."""
        return sorted(
            str(Path(folder, name).relative_to(self.path))
            for folder, _dirs, names in os.walk(self.path)
            for name in names
            if not (folder == str(self.path) and name == FILLER)
        )
