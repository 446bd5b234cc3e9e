"""Bot process weight: resident memory and start-up time of the Discord front-end, without render workers.

The bot never renders: its workers are separate processes, so it must not load torch or diffusers. This
starts a fresh interpreter that builds the bot as `reelbot run` does (config, studio over the database,
every cog, persistent buttons, the worker supervisor's configuration) short of logging in to Discord,
then reports its resident set size (VmRSS), the time to get there, and whether torch, diffusers or
transformers were imported. Target: < 120 MiB. Last line: `bot_rss_mib=<float>`.

    python benchmarks/bot_rss.py
"""
from __future__ import annotations

import json
import subprocess
import sys

PROBE = r"""
import asyncio, json, sys, tempfile, time
started = time.perf_counter()
from pathlib import Path
from bot.app import create_bot
from studio.config import Config
from studio.runtime import open_studio, workers_for

async def build():
    config = Config(home=Path(tempfile.mkdtemp(prefix="reelbot-rss-")))
    studio = open_studio(config)
    bot = create_bot(config, studio)
    workers_for(config, count=1)  # configured, not started: they would be processes of their own
    for module in bot.cog_modules:
        await bot.load_extension(module)
    await studio.active_jobs()  # the database is open and migrated
    return bot, studio

bot, studio = asyncio.run(build())
seconds = time.perf_counter() - started
rss_kib = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmRSS:"))
heavy = [name for name in ("torch", "diffusers", "transformers") if name in sys.modules]
print(json.dumps({"rss_mib": rss_kib / 1024, "seconds": seconds, "heavy": heavy}))
"""


def measure() -> dict:
    """Build the bot in a fresh interpreter; its RSS in MiB, seconds to build, heavy modules imported."""
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"building the bot failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    result = measure()
    print(f"bot process after start-up: {result['rss_mib']:.1f} MiB resident, built in {result['seconds']:.2f} s")
    print(f"heavy modules imported: {', '.join(result['heavy']) or 'none'}")
    print(f"bot_rss_mib={result['rss_mib']:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
