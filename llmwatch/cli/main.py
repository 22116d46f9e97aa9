"""The ``llmwatch`` command. One function per command, in ``pages``, ``ops``
and ``query``; help texts are the docstrings, each with an example. Errors are one
line on stderr, never a traceback (set LLMWATCH_DEBUG=1 to see one)."""

from __future__ import annotations

import os
import sys

import typer
from rich.markup import escape

from llmwatch import config as config_mod

# importing a command module registers its commands; --help lists them in this order
from llmwatch.cli import pages  # noqa: F401

# isort: split
from llmwatch.cli import ops  # noqa: F401

# isort: split
from llmwatch.cli import query  # noqa: F401

# isort: split
from llmwatch.cli import registries  # noqa: F401

# isort: split
from llmwatch.cli.common import NothingFound, UsageError, app
from llmwatch.output import err

__all__ = ["app", "run"]


def run() -> None:
    """Console-script entry point: known errors as one line, exit codes per contracts.md."""
    try:
        code = app(standalone_mode=False)  # returns typer.Exit's code instead of raising it
        sys.exit(code if isinstance(code, int) else 0)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        _fail(130, "aborted")
    except typer.TyperException as exc:  # bad options or arguments (typer's own click)
        if type(exc).__name__ == "NoArgsIsHelpError" and getattr(exc, "ctx", None):
            print(exc.ctx.get_help())
            sys.exit(0)
        hint = f" (try '{exc.ctx.command_path} --help')" if getattr(exc, "ctx", None) else ""
        _fail(2, exc.format_message() + hint)
    except Exception as exc:
        _known(exc)


def _known(exc: Exception) -> None:
    """An error as one line and its exit code. The error classes are imported here, after
    the fact, so that ``--help`` and a query need not load Scrapy or SQLAlchemy to start."""
    from sqlalchemy.exc import OperationalError, SQLAlchemyError

    from crawler.registry import UnknownSource
    from crawler.run import BadUrl, NothingToReplay
    from llmwatch.filters import FilterError
    from pipeline.extract.records import OutOfOrder

    if isinstance(
        exc, (UsageError, FilterError, config_mod.ConfigError, UnknownSource, OutOfOrder, NothingToReplay, BadUrl)
    ):
        _fail(2, str(exc))
    if isinstance(exc, NothingFound):
        _fail(3, str(exc))
    from crawler.distributed import RedisUnreachable

    if isinstance(exc, RedisUnreachable):
        _fail(1, str(exc))
    if isinstance(exc, OperationalError):
        _fail(2, f"database unavailable: {str(exc.orig).splitlines()[0] if exc.orig else exc}")
    if isinstance(exc, SQLAlchemyError):
        _fail(1, f"database error: {str(exc).splitlines()[0]}")
    if os.environ.get("LLMWATCH_DEBUG"):
        raise exc
    _fail(1, f"internal error: {type(exc).__name__}: {exc} (LLMWATCH_DEBUG=1 shows the traceback)")


def _fail(code: int, message: str) -> None:
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False)
    sys.exit(code)
