"""The channel a community's journey leaves behind, measured: lasting public bot messages per request and
edits that changed nothing a member could see.

Plays tests/journey.py's journey (three members and a moderator: create, remix by reply and by every
button of a clip, takes, pick, finalize, a vote challenge, a two-shot relay, forget) on the loopback Discord with an in-process render
worker and the tiny model, then prints what stayed in the channel. Targets:
lasting_messages_per_request <= 1.0 (the post itself) and noop_edits == 0.

    python benchmarks/journey.py [--transcript FILE]
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from bot_harness import World  # noqa: E402
from discord_fake import FakeDiscord  # noqa: E402
from journey import Journey, degenerate, run_journey  # noqa: E402
from studio_fixtures import make_config  # noqa: E402

from generation.tiny import TINY_MODELS, ensure_tiny_model  # noqa: E402
from studio.runtime import open_studio, workers_for  # noqa: E402


async def play(home: Path) -> Journey:
    models = home / "tiny-models"
    for name in TINY_MODELS:
        ensure_tiny_model(models, name)
    config = make_config(home / "home", models)
    studio = open_studio(config)
    workers = workers_for(config, separate_processes=False).start()
    journey = Journey()
    try:
        with pytest.MonkeyPatch.context() as monkeypatch:
            async with FakeDiscord() as fake:
                fake.patch_discord(monkeypatch)
                guild = fake.add_guild("Monster Movies", channels=("general",))
                world = World(fake=fake, guild=guild, alice=fake.add_member(guild, 1001, "alice"),
                              bob=fake.add_member(guild, 1002, "bob"),
                              admin=fake.add_member(guild, 1003, "boss", admin=True), config=config, studio=studio)
                members = {"alice": world.alice, "bob": world.bob, "carol": fake.add_member(guild, 1004, "carol"),
                           "mod": world.admin}
                async with fake.running(world.bot()):
                    await run_journey(fake, guild, studio, members, journey)
    finally:
        workers.stop()
        await studio.aclose()
    return journey


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--transcript", type=Path, help="write what the members saw to this file")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as home:
        journey = asyncio.run(play(Path(home)))
    if args.transcript:
        args.transcript.write_text("\n".join(journey.transcript))
    crowded = {clip_id: len(messages) for clip_id, messages in journey.lasting.items() if len(messages) != 1}
    print(f"requests={len(journey.requests)} lasting_messages={sum(map(len, journey.lasting.values()))} "
          f"edits={len(journey.edits)} failures_said_twice={sum(1 for n in journey.failures_said.values() if n > 1)} "
          f"degenerate_images={sum(1 for _name, image in journey.images if degenerate(image))} "
          f"components_offered={len(journey.offered)} components_unclicked={len(journey.unclicked)} "
          f"dead_ends={len(journey.dead_ends)} direct_messages_left={sum(map(len, journey.direct.values()))} "
          f"seconds={time.monotonic() - started:.0f}")
    if crowded:
        print(f"requests not at one lasting message: {crowded}")
    print(f"noop_edits={journey.noop_edits}")
    print(f"lasting_messages_per_request={journey.lasting_messages_per_request:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
