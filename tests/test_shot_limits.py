"""A server's shot limit is planned for, not cut off afterwards: one note, and a plan made for that many shots."""
from __future__ import annotations

from storage.settings import set_setting
from studio.members import Member
from studio.requests import VideoOptions

ALICE = Member(id=7, name="alice", guild_id=70, channel_id=71)


async def test_fifty_shots_on_a_three_shot_server_are_three_planned_shots_and_one_note(studio) -> None:
    await studio.adb.write(set_setting, ALICE.guild_id, "max_shots", 3)
    accepted = await studio.create(ALICE, "a fox trots across a frozen lake at dusk in 50 shots", VideoOptions())
    shots = accepted.shot_list.shots
    notes = [note.english() for note in accepted.shot_list.notes]
    assert len(shots) == 3 and len(accepted.clip.recipes) == 3
    assert [note for note in notes if "at most" in note] == [
        "You asked for 50 shots; a clip has at most 3, so this one has 3."]
    assert len({shot.prompt for shot in shots}) == 3  # planned as three shots: none cut off, none repeated
    assert "50 shots" not in " ".join(shot.prompt for shot in shots) + (accepted.shot_list.title or "")
