"""The command line run in-process against a data directory of its own, for a module's
tests to share one database (``Run(root)("prices", "--format", "json")``)."""

from __future__ import annotations

import io
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from llmwatch.cli import main as cli


class Run:
    def __init__(self, root: Path) -> None:
        self.root = root

    def __call__(self, *args: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("LLMWATCH_DATA_DIR", str(self.root / "data"))
            mp.delenv("LLMWATCH_DATABASE_URL", raising=False)
            mp.chdir(self.root)
            mp.setattr(sys, "argv", ["llmwatch", *args])
            code = 0
            with redirect_stdout(out), redirect_stderr(err):
                try:
                    cli.run()
                except SystemExit as exc:
                    code = int(exc.code or 0)
        assert "Traceback" not in out.getvalue() + err.getvalue()
        return code, out.getvalue(), err.getvalue()

    def ingest(self, pages: list[tuple[str, str, str]], *, codes: tuple[int, ...] = (0,)) -> Run:
        """Store fixture pages, each (path under tests/fixtures, source, fetched at), in order."""
        from tests.cases import FIXTURES

        for file, source, at in pages:
            code, _, err = self("ingest", str(FIXTURES / file), "--source", source, "--fetched-at", at)
            assert code in codes, err
        return self
