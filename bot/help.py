"""`/help`: every slash command with its syntax and an example, plus what needs no command (mentions,
replies, buttons, the gallery), in the member's language.

The syntax is read from the synced command tree itself (names, required and optional options, each as
Discord shows it to the member: `pgettext("command" | "option", …)`), so help never lists a command that
doesn't exist nor misses one that does; only the examples are written here.
"""
from __future__ import annotations

from collections.abc import Iterable

import discord
from discord import app_commands

from bot.embeds import ACCENT, clip_text_lines
from bot.i18n import N_, _, pgettext

# Discord's limit for one embed field's value.
FIELD_CHARS = 1024

# Each section: its title, then the commands in it (qualified English names, as in the tree).
SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (N_("Make a clip"), ("video", "finalize", "queue")),
    (N_("Remix"), ("remix", "clip", "lineage", "remixes")),
    (N_("Challenges"), ("challenge start", "challenge submit", "challenge vote", "challenge list",
                        "challenge show", "challenge results", "challenge close")),
    (N_("Relay films"), ("relay add", "relay film")),
    (N_("Your characters"), ("cast create", "cast list", "cast show", "cast edit", "cast delete", "cast waiting")),
    (N_("You and your server"), ("profile", "forget me", "forget member", "settings show", "settings set", "help")),
)

# Examples: option -> value (values marked N_ are words a member would type in their own language).
EXAMPLES: dict[str, dict[str, str]] = {
    "video": {"prompt": N_("a panda rolling in the snow, then it sleeps"), "shots": "3", "takes": "3"},
    "finalize": {"clip": "#12"},
    "queue": {},
    "remix": {"clip": "#12", "change": N_("make shot 2 at night")},
    "clip": {"id": "12"},
    "lineage": {"clip": "#12"},
    "remixes": {"allow": "False"},
    "challenge start": {"theme": N_("cats at sea"), "duration": "48h"},
    "challenge submit": {"clip": "#12"},
    "challenge vote": {"challenge": "3", "clip": "#12"},
    "challenge list": {},
    "challenge show": {"id": "3"},
    "challenge results": {"id": "3"},
    "challenge close": {"id": "3"},
    "relay add": {"text": N_("the ship reaches the harbour at dawn")},
    "relay film": {},
    "cast create": {"name": "Mira", "description": N_("short red hair, yellow raincoat"), "picture": "mira.png",
                    "consent": N_("ask me")},
    "cast list": {},
    "cast show": {"name": "Mira"},
    "cast edit": {"name": "Mira", "aliases": N_("Mimi")},
    "cast delete": {"name": "Mira"},
    "cast waiting": {},
    "profile": {},
    "forget me": {},
    "forget member": {"member": "@bob"},
    "settings show": {},
    "settings set": {"key": "max_shots", "value": "4"},
    "help": {},
}

# What members do without a slash command: (what, how, example).
WITHOUT_COMMANDS: tuple[tuple[str, str, str], ...] = (
    (N_("Mention me"), N_("Mention me with a request to make a clip; attach a picture, or reply to one, and the "
                          "video starts from it."), N_("@Reelbot a red kite over the dunes")),
    (N_("Storyboard"), N_("Every shot's still comes first, in seconds: edit a shot in words, re-roll it, remove it or "
                          "pick takes, then Animate renders the video from the approved stills."), ""),
    (N_("Reply to a clip"), N_("Your reply is a remix of that clip: only the shots you change render again."),
     N_("make it noir · shot 2: the monster roars · extend")),
    (N_("Buttons on a clip"), N_("Remix, Re-roll (new seeds), Vary (subtle) (the same shots with new detail), "
                                 "Restyle (another look), Extend (while the clip has room for a shot), Enter "
                                 "challenge (while one is open), Details, Delete; drafts have Finalize."), ""),
    (N_("The gallery"), N_("Each clip post links its gallery page: play, download, lineage, every remix. "
                           "`/profile` links all your clips there."), ""),
)


def commands_by_name(tree_commands: Iterable[app_commands.Command | app_commands.Group]) -> dict[str, app_commands.Command]:
    """Every slash command of the tree by qualified English name (`challenge start`), groups walked."""
    found: dict[str, app_commands.Command] = {}
    for command in tree_commands:
        if isinstance(command, app_commands.Group):
            found.update(commands_by_name(command.commands))
        elif isinstance(command, app_commands.Command):
            found[command.qualified_name] = command
    return found


def syntax(command: app_commands.Command) -> str:
    """`/video prompt [shots] [model] …` as the member's client shows it (localized names)."""
    name = " ".join(pgettext("command", part) for part in command.qualified_name.split())
    options = [pgettext("option", p.name) if p.required else f"[{pgettext('option', p.name)}]"
               for p in command.parameters]  # fmt: skip
    return " ".join([f"/{name}", *options])


def example(command: app_commands.Command) -> str:
    """`/video prompt:a panda … shots:3`, in the member's language."""
    name = " ".join(pgettext("command", part) for part in command.qualified_name.split())
    values = EXAMPLES.get(command.qualified_name, {})
    # Unmarked values (numbers, `#12`) are not in the catalogs, and gettext gives them back as they are.
    options = [f"{pgettext('option', option)}:{_(value)}" for option, value in values.items()]
    return " ".join([f"/{name}", *options])


def help_embeds(tree_commands: Iterable[app_commands.Command | app_commands.Group]) -> list[discord.Embed]:
    """The /help message: one embed of slash commands by section, one of what needs no command. Commands not
    in a section (a feature added later) still appear, under "More"."""
    available = commands_by_name(tree_commands)
    listed = {name for _title, names in SECTIONS for name in names}
    sections = [*SECTIONS, (N_("More"), tuple(sorted(set(available) - listed)))]
    commands_embed = discord.Embed(title=_("Reelbot commands"),
                                   description=_("Casual requests in, multi-shot films out. Options in [brackets] "
                                                 "are optional."), colour=ACCENT)  # fmt: skip
    for title, names in sections:
        lines = []
        for name in names:
            command = available.get(name)
            if command is None:
                continue
            lines.append(_("`{syntax}` — {description}\n  e.g. `{example}`", syntax=syntax(command),
                           description=_(command.description), example=example(command)))
        if lines:
            commands_embed.add_field(name=_(title), value=clip_text_lines("\n".join(lines), FIELD_CHARS),
                                     inline=False)
    more = discord.Embed(title=_("Without a command"), colour=ACCENT)
    for what, how, shown in WITHOUT_COMMANDS:
        value = _(how) if not shown else _("{how}\n  e.g. `{example}`", how=_(how), example=_(shown))
        more.add_field(name=_(what), value=clip_text_lines(value, FIELD_CHARS), inline=False)
    return [commands_embed, more]
