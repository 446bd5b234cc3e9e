"""Persistent buttons: `reelbot:<namespace>:<action>:<id>` custom ids that keep working after a restart,
because the bot rebuilds the button from its id (discord.ui.DynamicItem) instead of remembering it."""
from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import discord

from bot.i18n import _
from bot.i18n.discord import SpeaksMemberLanguage
from bot.replies import report_error
from studio.errors import StudioError

Handler = Callable[[discord.Interaction, int], Awaitable[None]]


@dataclass(frozen=True)
class Action:
    label: str  # English, marked with N_ where it is written; shown translated
    style: discord.ButtonStyle
    emoji: str
    handler: Handler
    row: int | None = None
    # Values for the label's {fields} ("Pick {take}"), filled in after translating it.
    values: tuple[tuple[str, Any], ...] = ()


def action_buttons(namespace: str, actions: dict[str, Action], *, stale: str) -> type[discord.ui.DynamicItem]:
    """The button class of one namespace; `stale` tells a member what to use instead of a button whose
    action a newer version dropped. Errors in handlers reach the member privately."""

    class ActionButton(
        SpeaksMemberLanguage,
        discord.ui.DynamicItem[discord.ui.Button],
        template=rf"reelbot:{namespace}:(?P<action>[a-z]+):(?P<target>[0-9]+)",
    ):
        def __init__(self, action: str, target: int) -> None:
            known = actions.get(action)
            label, style, emoji, row = (
                (_(known.label, **dict(known.values)), known.style, known.emoji, known.row)
                if known
                else (action.title(), discord.ButtonStyle.secondary, "❔", None)
            )
            custom_id = f"reelbot:{namespace}:{action}:{target}"
            super().__init__(discord.ui.Button(label=label, style=style, emoji=emoji, custom_id=custom_id), row=row)
            self.action = action
            self.target = target

        @classmethod
        async def from_custom_id(
            cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
        ) -> Any:
            return cls(match["action"], int(match["target"]))

        async def callback(self, interaction: discord.Interaction) -> None:
            try:
                known = actions.get(self.action)
                if known is None:
                    raise StudioError("That button is from an older version of me; try {instead} instead.",
                                      instead=stale)
                await known.handler(interaction, self.target)
            except Exception as error:
                await report_error(interaction, error)

    ActionButton.__name__ = ActionButton.__qualname__ = f"{namespace.title()}Button"
    # What the class answers, for the inventory of every component (tests/test_every_command.py).
    ActionButton.namespace, ActionButton.actions = namespace, actions  # type: ignore[attr-defined]
    return ActionButton


def buttons_view(button: type[discord.ui.DynamicItem], actions: dict[str, Action], target: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for action in actions:
        view.add_item(button(action, target))
    return view
