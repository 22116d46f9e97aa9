"""Regenerate the expected output of fixtures, for review in the diff.

    .venv/bin/python -m tests.regen            # every source
    .venv/bin/python -m tests.regen deepseek   # one source

Review every changed value with ``git diff tests/fixtures`` before committing:
the expected files are the test's truth.
"""

from __future__ import annotations

import json
import sys

from tests.cases import cases, expected_path, run_case


def main(only: list[str]) -> None:
    for path in cases():
        if only and path.parent.name not in only:
            continue
        out = expected_path(path)
        new = json.dumps(run_case(path), ensure_ascii=False, indent=1) + "\n"
        old = out.read_text(encoding="utf-8") if out.exists() else ""
        if new != old:
            out.write_text(new, encoding="utf-8")
            print(f"{'updated' if old else 'created'} {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
