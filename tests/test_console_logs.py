"""The console shows a member only what they need: the worker's and libraries' logs go to
`<home>/logs/console.log` (README, "Console")."""
from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

from common.logs import route_library_logs


def test_chat_keeps_worker_logs_off_the_terminal_and_in_the_log_file(tmp_path: Path, tiny_models_dir: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "models").symlink_to(tiny_models_dir, target_is_directory=True)
    chat = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "chat", "--home", str(home), "--model", "tiny", "--lang", "en",
         "--config", str(tmp_path / "none.toml")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])},
    )  # fmt: skip
    assert chat.stdin is not None and chat.stdout is not None
    chat.stdin.write("a fox runs in the snow, 1 shot\n")
    chat.stdin.flush()
    seen = []
    for line in chat.stdout:  # until the stills are shown (a worker process rendered them)
        seen.append(line)
        if line.startswith("Animate?"):
            break
    out, err = chat.communicate("/quit\n", timeout=120)
    assert chat.returncode == 0, err
    assert "storyboard: " in "".join(seen)
    assert err == "", "nothing but the console's own words reach the member's terminal"
    log = (home / "logs" / "console.log").read_text()
    assert "INFO renderqueue.worker: worker" in log and "INFO renderqueue.stills_job: job 1" in log


def test_library_notices_reach_the_processs_handlers_not_the_terminal(capfd, caplog) -> None:
    import diffusers  # noqa: F401  (their own stderr handlers are set up on first use)
    import transformers  # noqa: F401

    route_library_logs()
    with caplog.at_level(logging.WARNING):
        logging.getLogger("diffusers.pipelines.ltx.pipeline_ltx").warning("input was truncated: max_sequence_length")
        logging.getLogger("transformers.utils.import_utils").warning("requires torchvision (not installed)")
    assert capfd.readouterr().err == ""
    assert {record.name.split(".")[0] for record in caplog.records} == {"diffusers", "transformers"}
