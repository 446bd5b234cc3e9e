"""A shot's subject is said once wherever a shot is printed (storyboards, posts, the gallery), in any script."""
from __future__ import annotations

import pytest

from prompts.compose import shot_core
from prompts.schema import Shot
from studio.shots import caption, what_happens


@pytest.mark.parametrize(("subject", "action", "said"), [
    ("the monster", "roars at the sky", "the monster roars at the sky"),
    ("the fox", "the fox stops and looks at the moon", "the fox stops and looks at the moon"),
    ("a fox", "then the fox sleeps", "then the fox sleeps"),
    ("the fox", "a foxglove sways", "the fox a foxglove sways"),  # a longer word is not the subject
    ("熊猫", "一只熊猫在雪地里打滚", "一只熊猫在雪地里打滚"),
    ("米拉", "在雪地里的米拉", "在雪地里的米拉"),
    ("ミラ", "走るミラ", "走るミラ"),
    ("", "rain on a window", "rain on a window"),
])
def test_the_subject_is_said_once(subject, action, said):
    assert shot_core(subject, action) == said


def test_captions_and_cards_print_what_happens_once():
    shot = Shot(subject="熊猫", action="一只熊猫在雪地里打滚", camera="wide shot", duration=2.0, prompt="p",
                lighting="soft light", style="watercolor")
    assert what_happens(shot) == "一只熊猫在雪地里打滚"
    assert caption(shot) == "一只熊猫在雪地里打滚 (wide shot, 2.0 s)"
