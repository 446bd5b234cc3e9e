"""The `model` option of /video, /finalize and /challenge start: an autocomplete of the presets the render
hosts can load (`generation.placement.loadable_presets` over the models folder the workers read), so a member
never picks a model nothing can render; the tiny test presets appear only when no real one is there, and say
that they render noise. A model typed anyway is refused with the list (`check_loadable`)."""
from __future__ import annotations

import discord
from discord import app_commands

from bot.host import host_of
from bot.i18n import N_, _
from generation.placement import loadable_presets
from generation.registry import PRESETS, canonical_name
from studio.errors import StudioError

# Discord shows at most 25 autocomplete choices.
MAX_CHOICES = 25


def choice_name(name: str) -> str:
    """How a preset reads in the menu, in the member's language: test presets say what they are."""
    if PRESETS[name].local:
        return _("{model} (test model: renders noise)", model=name)
    return name


async def model_autocomplete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    loadable = loadable_presets(host_of(interaction).studio.config.models_dir)
    typed = current.strip().lower()
    return [app_commands.Choice(name=choice_name(name), value=name)
            for name in loadable if typed in name.lower()][:MAX_CHOICES]  # fmt: skip


def check_loadable(interaction: discord.Interaction, model: str | None) -> None:
    """Raises StudioError (private to the member) for a model no render host can load."""
    if model is None:
        return
    loadable = loadable_presets(host_of(interaction).studio.config.models_dir)
    if canonical_name(model) not in {canonical_name(name) for name in loadable}:
        raise StudioError(N_("No render host here can load {model}. Pick one of: {models}."), model=model,
                          models=", ".join(loadable), code="model_not_loadable")  # fmt: skip
