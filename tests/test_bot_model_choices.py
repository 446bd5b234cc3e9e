"""The model option offers only what a render host can load: real presets whose weights are on disk, the tiny
test presets (labelled as noise) only when there is none; a model typed anyway is refused with the list."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from bot import model_choices
from bot.i18n import use
from studio.errors import StudioError


def interaction_over(studio) -> SimpleNamespace:  # noqa: ANN001
    return SimpleNamespace(client=SimpleNamespace(studio=studio))


async def test_only_test_models_when_nothing_is_downloaded_and_they_say_so(studio) -> None:  # noqa: ANN001
    choices = await model_choices.model_autocomplete(interaction_over(studio), "")
    assert choices and all(choice.value.startswith("tiny-") for choice in choices)
    assert all(choice.name.endswith("(test model: renders noise)") for choice in choices)
    with use("zh-CN"):
        assert "噪点" in (await model_choices.model_autocomplete(interaction_over(studio), "ltx"))[0].name
    with pytest.raises(StudioError, match="No render host here can load wan-1.3b. Pick one of: tiny-wan"):
        model_choices.check_loadable(interaction_over(studio), "wan-1.3b")
    model_choices.check_loadable(interaction_over(studio), "tiny")  # an alias of a loadable preset


async def test_downloaded_presets_push_the_test_models_out(studio, monkeypatch) -> None:  # noqa: ANN001
    from generation import placement

    monkeypatch.setattr(placement, "weights_present", lambda _dir, preset: preset.name == "ltx-video")
    monkeypatch.setattr(model_choices, "loadable_presets", placement.loadable_presets)
    choices = await model_choices.model_autocomplete(interaction_over(studio), "")
    assert [(choice.name, choice.value) for choice in choices] == [("ltx-video", "ltx-video")]
    with pytest.raises(StudioError, match="Pick one of: ltx-video"):
        model_choices.check_loadable(interaction_over(studio), "tiny")
