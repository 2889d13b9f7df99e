"""The ``depthlab`` command: a thin Typer app over the library.

A user mistake is one line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import logging
import sys

import typer

from depthlab.cli.crossval import crossval_command
from depthlab.cli.data import data_app
from depthlab.cli.evaluate import evaluate_command, predict_command
from depthlab.cli.explain import explain_command
from depthlab.cli.export import export_command
from depthlab.cli.rollout import rollout_command
from depthlab.cli.runs import runs_app
from depthlab.cli.serve import serve_command
from depthlab.cli.study import report_command, study_command
from depthlab.cli.train import TRAIN_HELP, train_command
from depthlab.cli.tune import tune_command
from depthlab.errors import DepthlabError

app = typer.Typer(
    name="depthlab",
    help="Shallow or deep? Build, train, compare and explain neural networks of any depth.\n\n"
    "Example: depthlab data show mnist1d",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(data_app, name="data")
app.add_typer(runs_app, name="runs")
app.command("train", help=TRAIN_HELP)(train_command)
app.command("evaluate")(evaluate_command)
app.command("predict")(predict_command)
app.command("crossval")(crossval_command)
app.command("study")(study_command)
app.command("report")(report_command)
app.command("explain")(explain_command)
app.command("export")(export_command)
app.command("serve")(serve_command)
app.command("tune")(tune_command)
app.command("rollout")(rollout_command)


@app.callback()
def _root(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log more detail."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only errors; no progress bars."),
) -> None:
    import os

    if quiet:
        os.environ["DEPTHLAB_QUIET"] = "1"
    level = logging.ERROR if quiet else logging.DEBUG if verbose else logging.INFO
    logging.getLogger("depthlab").setLevel(level)


def _setup_logging() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    root = logging.getLogger("depthlab")
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    root.propagate = False


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script and of ``python -m depthlab``."""
    logger = logging.getLogger("depthlab")
    saved = (logger.handlers[:], logger.level, logger.propagate)
    _setup_logging()
    try:
        # Typer handles its own usage errors (exit 2) and --help; ours are caught here.
        app(args=argv, prog_name="depthlab")
    except DepthlabError as exc:
        sys.stderr.write(f"error: {exc}\n")
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
    finally:
        # Run in-process (tests, notebooks), leave no handler bound to a stderr that may be gone.
        logger.handlers[:], logger.level, logger.propagate = saved
