"""`/cast` in the console and `reelbot cast` on the command line: one handler for both, over the words of
`bot.cast_args`; and the console's share of the cast's round (owners asked, requesters told)."""
from __future__ import annotations

import argparse
import asyncio
import getpass
import shlex
import sys
from pathlib import Path

from bot.cast_args import CAST_SYNTAX, RefusingParser, cast_arguments, name_and_description, usage_problem
from bot.console.replies import describe_accepted
from bot.console.session import ConsoleSession, command, console_member
from bot.i18n import N_, _, error_message, say
from common.errors import InvalidValue, ReelbotError
from studio.cast import approvals
from studio.cast.desk import CastDesk
from studio.cast.names import name_list
from studio.cast.rules import consent_of, consent_text
from studio.config import Config
from studio.converters import to_bool, to_id
from studio.pictures import read_picture_file
from studio.records import Character
from studio.runtime import open_studio


def describe_character(character: Character) -> str:
    """One character as the console shows it, pictures included."""
    aliases = _(" (also {aliases})", aliases=", ".join(character.aliases)) if character.aliases else ""
    lines = [_("{name}{aliases} by {owner} · consent: {consent} · use notes: {notify}", name=character.name,
               aliases=aliases, owner=character.owner_name, consent=say(consent_text(character.consent)),
               notify=_("on") if character.notify else _("off")),
             f"  {character.description}"]  # fmt: skip
    lines += [_("  picture {number}: {path} ({width}x{height})", number=index, path=picture.path,
                width=picture.width, height=picture.height)
              for index, picture in enumerate(character.pictures, start=1)]  # fmt: skip
    return "\n".join(lines)


async def _pictures(session: ConsoleSession, paths: list[Path]) -> list:
    media = session.studio.config.media_dir
    return [await asyncio.to_thread(read_picture_file, path, media) for path in paths]


async def run_cast(session: ConsoleSession, args: argparse.Namespace) -> str:
    """Do what the parsed `args` say, as `session.member`; returns what to print. Raises ReelbotError."""
    desk, member = CastDesk(session.studio), session.member
    for key in ("name", "new_name", "description"):  # words typed unquoted, joined (bot.cast_args)
        if isinstance(getattr(args, key, None), list) and not (args.action == "create" and key == "description"):
            setattr(args, key, " ".join(getattr(args, key)))
    if args.action == "create":
        name, description = name_and_description([args.name, *args.description])
        made = await desk.create(member, name, description, await _pictures(session, args.picture),
                                 aliases=args.alias, consent=consent_of(args.consent), notify=not args.quiet)
        return _("made {name}:", name=made.name) + "\n" + describe_character(made)
    if args.action == "list":
        here, elsewhere = await desk.characters(member)
        lines = [describe_character(c).splitlines()[0] for c in here] or [_("no characters in this server yet")]
        if elsewhere:
            lines += [_("yours in other servers (bring them with /cast use):")]
            lines += [describe_character(c).splitlines()[0] for c in elsewhere]
        return "\n".join(lines)
    if args.action == "show":
        return describe_character(await desk.find(member, args.name))
    if args.action == "delete":
        gone = await desk.delete(member, args.name)
        return _("deleted {name}; clips made with them keep their credit", name=gone.name)
    if args.action == "edit":
        aliases = [] if args.no_aliases else args.alias
        edited = await desk.edit(
            member, args.name, new_name=args.new_name, aliases=aliases, description=args.description,
            consent=None if args.consent is None else consent_of(args.consent),
            notify=None if args.notify is None else to_bool(args.notify, "notify"),
            pictures=None if args.picture is None else await _pictures(session, args.picture),
        )  # fmt: skip
        return _("changed {name}:", name=edited.name) + "\n" + describe_character(edited)
    if args.action == "use":
        session.cast = ", ".join(name_list(", ".join(args.names)))
        return _("the next request features {names}", names=session.cast)
    if args.action == "waiting":
        waiting = await approvals.waiting_for(session.studio, member)
        return "\n".join(say(w.prompt()) for w in waiting) or _("nobody is waiting for your answer")
    return await _answer(session, to_id(args.request, "request"), approve=args.action == "approve")


async def _answer(session: ConsoleSession, request_id: int, *, approve: bool) -> str:
    mine = [w for w in await approvals.waiting_for(session.studio, session.member) if w.request.id == request_id]
    if not mine:
        raise InvalidValue("Request #{request_id} isn't waiting for your answer.", code="cast_no_approval",
                           request_id=request_id)  # fmt: skip
    decided = await approvals.decide(session.studio, session.member, mine[0].approval.id, approve)
    if not approve:
        return _("declined request #{request_id}; {requester} will be told", request_id=request_id,
                 requester=decided.request.user_name)
    accepted = await approvals.finish(session.studio, decided.request)
    if accepted is None:
        return _("approved request #{request_id}; it still waits for other owners", request_id=request_id)
    session.watch(accepted)
    return _("approved request #{request_id}:", request_id=request_id) + "\n" + describe_accepted(accepted)


@command("cast", "/cast create NAME DESCRIPTION --picture PATH … | list | show NAME | edit NAME … | delete NAME "
         "| use NAMES | waiting | approve REQUEST | decline REQUEST",
         "/cast create Mira a small orange-haired girl --picture mira.png",
         N_("your characters: the same look in every shot, credited to you"))
async def _cast(session: ConsoleSession, arg: str) -> str:
    """/cast create | list | show | edit | delete | use | waiting | approve | decline (see `/cast` alone)."""
    parser = cast_arguments(RefusingParser(prog="/cast"))
    try:
        words = shlex.split(arg)
    except ValueError as error:
        action = next(iter(arg.split()), None)
        raise usage_problem(str(error), action if action in CAST_SYNTAX else "") from error
    args, extra = parser.parse_known_args(words)
    if extra:  # argparse finds these only once the action is parsed, so its refusal could not name it
        raise usage_problem(f"unrecognized arguments: {' '.join(extra)}", args.action)
    return await run_cast(session, args)


async def cast_round(session: ConsoleSession) -> list[str]:
    """The console's share of the cast's work (studio.cast.approvals): owners asked, refused requesters
    told, owners told of uses, each once; returns the lines to print."""
    studio, lines = session.studio, []
    for waiting in await approvals.prompts_to_send(studio, "console"):
        lines.append(_("🔔 {owner}: {prompt} Answer with /cast approve {request_id} or /cast decline {request_id} "
                       "(as {owner}: /as {owner}).", owner=waiting.approval.owner_name, prompt=say(waiting.prompt()),
                       request_id=waiting.request.id))  # fmt: skip
        await approvals.prompted(studio, waiting.approval.id)
    await approvals.expire_due(studio)
    for waiting in await approvals.refusals_to_tell(studio, "console"):
        lines.append(_("{requester}: {refusal}", requester=waiting.request.user_name, refusal=say(waiting.refusal())))
        await approvals.told(studio, waiting.approval.id)
    for credit, clip in await approvals.uses_to_tell(studio, "console"):
        lines.append(_("{owner}: {note}", owner=credit.owner_name, note=say(approvals.use_text(credit, clip))))
        await approvals.use_told(studio, credit)
    return lines


async def cli_cast(config: Config, args: argparse.Namespace) -> int:
    """`reelbot cast ...`: the console's `/cast`, as this machine's user in the console's server; prints the
    answer, or the refusal on stderr (exit status 2)."""
    if args.action == "use":
        print(_("error: {message}", message=_("use `reelbot generate --cast NAMES` to feature characters")),
              file=sys.stderr)
        return 2
    studio = open_studio(config)
    session = ConsoleSession(studio, console_member(getpass.getuser()))
    try:
        print(await run_cast(session, args))
        return 0
    except ReelbotError as error:
        print(_("error: {message}", message=error_message(error)), file=sys.stderr)
        return 2
    finally:
        for task in list(session.watchers):  # an approved request is queued; the bot or a worker renders it
            task.cancel()
        await session.close()
        await studio.aclose()
