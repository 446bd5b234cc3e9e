"""The bot process stays light: render workers are processes of their own, so building the bot (every
cog, the studio, the worker supervisor's configuration) must not import torch, diffusers or transformers."""

from __future__ import annotations

import json
import subprocess
import sys

BUILD = r"""
import asyncio, json, sys, tempfile
from pathlib import Path
from bot.app import create_bot
from studio.config import Config
from studio.runtime import open_studio, workers_for

async def build():
    config = Config(home=Path(tempfile.mkdtemp(prefix="reelbot-light-")))
    studio = open_studio(config)
    bot = create_bot(config, studio)
    workers_for(config, count=2)
    for module in bot.cog_modules:
        await bot.load_extension(module)
    await studio.active_jobs()
    await studio.aclose()

asyncio.run(build())
print(json.dumps(sorted(name for name in ("torch", "diffusers", "transformers") if name in sys.modules)))
"""


def test_building_the_bot_imports_no_torch_or_diffusers():
    done = subprocess.run([sys.executable, "-c", BUILD], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
