"""The cast in the console (`/cast ...`, `/as`) and on the command line (`reelbot cast`, `generate --cast`):
what a member reads at each step, every consent path, and a clip rendered with a character."""
from __future__ import annotations

import contextvars
import io
from pathlib import Path

import pytest

from bot.cli import main
from bot.console import ConsoleSession, console_member
from bot.console.cast_commands import cast_round
from cast_fixtures import LEO, MIRA, portrait
from studio.config import Config


@pytest.fixture
def photos(tmp_path: Path) -> list[Path]:
    paths = [tmp_path / "mira-front.png", tmp_path / "mira-side.jpg"]
    paths[0].write_bytes(portrait((200, 40, 40)))
    paths[1].write_bytes(portrait((40, 40, 200), fmt="JPEG"))
    return paths


async def typed(session: ConsoleSession, *lines: str) -> list[str]:
    return [await session.handle(line) for line in lines]


async def test_create_list_show_edit_delete_and_refusals(studio, photos):
    bob = ConsoleSession(studio, console_member("bob"), io.StringIO())
    made, listed, again, none, bad, shown = await typed(
        bob,
        f'/cast create Mira "{MIRA}" --picture {photos[0]} --picture {photos[1]} --alias 米拉 --alias ミラ',
        "/cast list",
        f"/cast create mira 'another' --picture {photos[0]}",
        f"/cast create Leo '{LEO}'",
        "/cast create",
        "/cast show ミラ",
    )
    assert made.startswith("made Mira:\nMira (also 米拉, ミラ) by bob · consent: this server · use notes: on")
    assert MIRA in made and made.count("  picture ") == 2
    assert listed == "Mira (also 米拉, ミラ) by bob · consent: this server · use notes: on"
    assert again == "error: “mira” is already taken in this server (by the character Mira). Pick another name or alias."
    assert none == "error: A character needs 1 to 3 pictures of them (you gave 0)."
    assert bad == ("error: /cast create needs: NAME, DESCRIPTION. Usage: /cast create NAME DESCRIPTION --picture PATH "
                   "[--picture PATH …] [--alias A …] [--consent server|ask|owner] [--quiet], e.g. /cast create Mira a "
                   "small orange-haired girl --picture mira.png")
    assert shown.splitlines()[1] == f"  {MIRA}"
    alice = ConsoleSession(studio, console_member("alice"), io.StringIO())
    [refused] = await typed(alice, "/cast edit Mira --description 'a villain'")
    assert refused == "error: Only bob can change Mira."
    [edited] = await typed(bob, "/cast edit Mira --consent 'ask me' --notify off --no-aliases")
    assert "consent: ask me · use notes: off" in edited and "also" not in edited
    [gone] = await typed(bob, "/cast delete mira")
    assert gone == "deleted Mira; clips made with them keep their credit"
    assert await typed(bob, "/cast list") == ["no characters in this server yet"]


async def test_ask_me_in_the_console_asks_the_owner_once_and_the_answer_reaches_the_requester(studio, photos):
    bob = ConsoleSession(studio, console_member("bob"), io.StringIO())
    await typed(bob, f"/cast create Mira '{MIRA}' --picture {photos[0]} --consent ask")
    alice = ConsoleSession(studio, console_member("alice"), io.StringIO())
    [waits] = await typed(alice, "Mira dances in the rain, 1 shot")
    assert waits == ("waiting: Your request #1 is saved. Mira: their owner (bob) approves each use, so I've asked "
                     "privately. You'll hear here as soon as they answer (they have 24 h).")
    [prompt] = await cast_round(alice)
    assert prompt == ("🔔 bob: alice would like to use Mira in a clip (request #1): “Mira dances in the rain, 1 shot”. "
                      "Do you approve this one use? Answer with /cast approve 1 or /cast decline 1 (as bob: /as bob).")
    assert await cast_round(alice) == []  # asked once
    [not_yours] = await typed(alice, "/cast approve 1")
    assert not_yours == "error: Request #1 isn't waiting for your answer."
    [listed, approved] = await typed(bob, "/cast waiting", "/cast approve 1")
    assert listed.startswith("alice would like to use Mira")
    assert approved.startswith("approved request #1:\nclip #1 ")
    assert approved.endswith("Cast: Mira by bob")
    # Declined: the requester hears it once, at the next round.
    await typed(alice, "Mira sings")
    await cast_round(alice)
    [declined] = await typed(bob, "/cast decline 2")
    assert declined == "declined request #2; alice will be told"
    assert await cast_round(alice) == [
        "alice: bob declined the use of Mira, so request #2 won't be made. You can ask again without them."]
    assert await cast_round(alice) == []


async def test_cast_use_features_a_character_explicitly_and_the_finished_clip_credits_its_owner(studio, photos,
                                                                                                 worker):  # noqa: ANN001
    bob = ConsoleSession(studio, console_member("bob"), io.StringIO())
    await typed(bob, f"/cast create Mira '{MIRA}' --picture {photos[0]} --alias 米拉")
    out = io.StringIO()
    alice = ConsoleSession(studio, console_member("alice"), out)
    [use, plan] = await typed(alice, "/cast use 米拉", "a walk in the park, 1 shot, 1 second")
    assert use == "the next request features 米拉"
    assert plan.endswith("Cast: Mira by bob") and MIRA in (await studio.clip(1)).shot_list["bible"]["characters"]
    for task in list(alice.watchers):
        await task
    # Live progress lines come first (bot/console/live.py), then the outcome with its cast.
    assert "clip #1 ready\nvideo: " in out.getvalue() and out.getvalue().rstrip().endswith("Cast: Mira by bob")
    [note] = await cast_round(alice)
    assert note == "bob: alice featured your character Mira in clip #1 “Walk in the Park”."
    assert await cast_round(alice) == []
    [plain] = await typed(alice, "a walk in the park, 1 shot, 1 second")
    assert "Cast:" not in plain  # /cast use is for the next request only


def test_reelbot_cast_and_generate_cast_on_the_command_line(config: Config, photos, capsys):
    home = ["--home", str(config.home), "--model", "tiny"]
    assert main(["cast", "create", "Mira", MIRA, "--picture", str(photos[0]), "--alias", "米拉", *home]) == 0
    assert capsys.readouterr().out.startswith("made Mira:\nMira (also 米拉) by ")
    assert main(["cast", "create", "Mira", "again", "--picture", str(photos[1]), *home]) == 2
    assert "is already taken in this server" in capsys.readouterr().err
    # `--lang` sets the language of this run's context; a copy keeps it from the tests that follow.
    assert contextvars.copy_context().run(main, ["cast", "show", "米拉", "--lang", "zh-CN", *home]) == 0
    assert "作者" in capsys.readouterr().out
    assert main(["generate", "a walk in the park", "--shots", "1", "--duration", "1", "--cast", "Mira", *home]) == 0
    captured = capsys.readouterr()
    assert "Cast: Mira by " in captured.err and captured.out.strip().splitlines()[0].endswith(".mp4")


async def test_create_as_readme_writes_it_takes_the_description_unquoted(studio, photos):
    bob = ConsoleSession(studio, console_member("bob"), io.StringIO())
    made, captain, edited, shown, stray, unknown, bare = await typed(
        bob,
        f"/cast create Mira a small orange-haired girl --picture {photos[0]}",
        f"/cast create Captain Leo: an old sailor with a white beard --picture {photos[1]} --alias Leo",
        "/cast edit Mira --description a tall girl in a red coat",
        "/cast show Captain Leo",
        "/cast list everything",
        "/cast make Mira",
        "/cast",
    )
    assert made.startswith("made Mira:\n") and made.splitlines()[2] == "  a small orange-haired girl"
    assert captain.startswith("made Captain Leo:\n") and "  an old sailor with a white beard" in captain
    assert edited.splitlines()[2] == "  a tall girl in a red coat"
    assert shown.startswith("Captain Leo (also Leo) by bob")
    assert stray == "error: /cast list doesn't take `everything`. Usage: /cast list, e.g. /cast list"
    assert unknown == ("error: /cast has no `make`. Try one of: create, list, show, edit, delete, use, waiting, "
                       "approve, decline, e.g. /cast list.")
    assert bare.startswith("error: /cast needs an action: create, list")
    for answer in (stray, unknown, bare):
        assert "usage: /cast {" not in answer.lower() and "\n" not in answer
