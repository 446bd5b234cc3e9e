"""Where a process's log goes: the terminal, and for the console's commands a log file beside the data.

`reelbot chat` and `reelbot generate` write every record (libraries' notices and Python warnings included)
to `<home>/logs/console.log` and show on the terminal only Reelbot's own records at the chosen level (a
library's notice would read as if the member had done something wrong). Render workers those commands start
as processes of their own log the same way, to the same file (`studio.worker_process`).
"""
from __future__ import annotations

import logging
import sys
from pathlib import Path

OUR_PACKAGES = ("bot", "studio", "renderqueue", "generation", "prompts", "storage", "common")

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# Libraries that print through a stderr handler of their own, not propagating to the process's handlers.
LIBRARIES_WITH_OWN_HANDLERS = ("transformers", "diffusers")


class OursOnly(logging.Filter):
    """Passes Reelbot's own records: libraries' notices (torchvision, float32 hints) are not for the member."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.name.split(".")[0] in OUR_PACKAGES


def configure_logging(level: int | str, log_file: Path | None) -> None:
    """The process's logging, unless something configured it already (a test runner): records at `level`
    (a `logging` level or its name) to stderr; with `log_file`, every record at INFO and above, Python
    warnings included, goes to that file (appended: a console and its worker processes share it) and the
    terminal keeps only Reelbot's own records at `level`."""
    if logging.getLogger().handlers:
        return
    if log_file is None:
        logging.basicConfig(level=level, format=LOG_FORMAT)
        return
    log_file.parent.mkdir(parents=True, exist_ok=True)
    terminal = logging.StreamHandler()
    terminal.addFilter(OursOnly())
    terminal.setLevel(level)
    to_file = logging.FileHandler(log_file, encoding="utf-8")
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT, handlers=[terminal, to_file])
    logging.captureWarnings(True)


def log_file() -> Path | None:
    """The file the process logs to (`configure_logging`), None when it logs to the terminal only."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.FileHandler):
            return Path(handler.baseFilename)
    return None


def terminal_level() -> str:
    """The level name of what reaches the terminal: its handler's own level when it has one (a console), else
    the process's (a server's log)."""
    for handler in logging.getLogger().handlers:
        if type(handler) is logging.StreamHandler and handler.level != logging.NOTSET:
            return logging.getLevelName(handler.level)
    return logging.getLevelName(logging.getLogger().getEffectiveLevel())


def route_library_logs() -> None:
    """Send the records of libraries that print through a stderr handler of their own (transformers'
    "[transformers] … requires torchvision", diffusers' "input was truncated … max_sequence_length") to the
    process's handlers instead, where `configure_logging` decides what the terminal shows. Call it once the
    libraries are imported; libraries not imported are left alone."""
    for name in LIBRARIES_WITH_OWN_HANDLERS:
        library = sys.modules.get(f"{name}.utils.logging")
        if library is not None:
            library.disable_default_handler()
            library.enable_propagation()
