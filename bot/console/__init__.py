"""Console front-end: the same Studio the Discord bot drives, with stdin/stdout as the chat.

- `session`: one user's session, the `/command` table and what a typed line becomes;
- `replies`: what the console prints (plans, progress, outcomes, challenges);
- `commands`, `stills_commands`, `challenge_commands` and `cast_commands`: the commands, each registered with
  `@command(name)` (`cast_commands` also serves `reelbot cast`);
- `run`: `reelbot chat` and `reelbot generate`.
"""
# The command modules register their commands on import, so the table is whole once the package is.
from bot.console import cast_commands, challenge_commands, commands, stills_commands  # noqa: F401
from bot.console.replies import describe_accepted, describe_result, progress_line
from bot.console.run import chat, generate_once
from bot.console.session import COMMANDS, CONSOLE, ConsoleSession, command, console_member

__all__ = [
    "COMMANDS",
    "CONSOLE",
    "ConsoleSession",
    "chat",
    "command",
    "console_member",
    "describe_accepted",
    "describe_result",
    "generate_once",
    "progress_line",
]
