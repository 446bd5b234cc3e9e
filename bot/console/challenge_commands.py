"""The console's community commands: `/challenge`, `/relay` and `/profile`.

The console runs no DeadlineLoop: each of these commands first closes challenges whose deadline has
passed, so their results show up at the next command."""
from __future__ import annotations

from dataclasses import replace

from bot.console.replies import describe_accepted, describe_challenge, describe_results
from bot.console.session import ConsoleSession, command, console_member, console_origin, usage_of
from bot.i18n import N_, _, ngettext
from bot.stages import pending_text
from prompts.schema import MAX_SHOT_SECONDS, MAX_SHOTS, MIN_SHOT_SECONDS
from studio import profiles
from studio.challenges import MAX_RELAY_TURNS, ChallengeRules, ChallengeService
from studio.converters import to_bool, to_id, to_seconds, to_whole_number
from studio.members import Member


_RULE_KEYS = ("max_shots", "model", "remixes", "max_turns", "shot_seconds")


def _rules(text: str) -> tuple[str, ChallengeRules]:
    """Split `key=value` rule options off a theme: max_shots, model, remixes, max_turns, shot_seconds."""
    words, options = [], {}
    for word in text.split():
        key, sep, value = word.partition("=")
        if sep and key in _RULE_KEYS:
            options[key] = value
        else:
            words.append(word)
    max_shots, max_turns, shot_seconds = (options.get(key) for key in ("max_shots", "max_turns", "shot_seconds"))
    rules = ChallengeRules(
        max_shots=None if max_shots is None else to_whole_number(max_shots, "max_shots", 1, MAX_SHOTS),
        model=options.get("model"),
        allow_remixes=to_bool(options.get("remixes", "yes"), "remixes"),
        max_turns=None if max_turns is None else to_whole_number(max_turns, "max_turns", 2, MAX_RELAY_TURNS),
        shot_seconds=None
        if shot_seconds is None
        else to_seconds(shot_seconds, "shot_seconds", MIN_SHOT_SECONDS, MAX_SHOT_SECONDS),
    )
    return " ".join(words), rules


async def _caught_up(service: ChallengeService) -> list[str]:
    return [describe_results(results) for results in await service.run_due_events()]


def _operator(session: ConsoleSession) -> Member:
    # Whoever types at the console runs the bot, so they may start and end challenges.
    return replace(session.member, can_moderate=True)


@command("challenge", "/challenge start DURATION THEME [max_shots=N model=M remixes=no] | list | show ID "
         "| submit CLIP [CHALLENGE] | vote CHALLENGE CLIP | results ID | close ID", "/challenge start 48h cats at sea",
         N_("challenges: members enter clips and vote"))
async def _challenge(session: ConsoleSession, arg: str) -> str:
    """A vote challenge: start, list, show, submit, vote, results, close (its `Usage`)."""
    service = session.challenges
    replies = await _caught_up(service)
    action, _sep, rest = arg.partition(" ")
    args = rest.split()
    if action == "start" and len(args) >= 2:
        theme, rules = _rules(" ".join(args[1:]))
        replies.append(describe_challenge(await service.start(_operator(session), theme, args[0], rules=rules)))
    elif action == "list":
        views = await service.list_challenges(session.member)
        replies.append("\n".join(describe_challenge(view).split("\n")[0] for view in views) or _("no challenges yet"))
    elif action == "show" and len(args) == 1:
        replies.append(describe_challenge(await service.show(session.member, to_id(args[0], "challenge"))))
    elif action == "submit" and len(args) in (1, 2):
        challenge_id = to_id(args[1], "challenge") if len(args) == 2 else None
        result = await service.submit(session.member, to_id(args[0], "clip"), challenge_id)
        if result.replaced:
            replies.append(_("clip #{clip_id} entered in challenge #{challenge_id}, replacing clip #{replaced}",
                             clip_id=result.entry.clip_id, challenge_id=result.challenge.id,
                             replaced=result.replaced.clip_id))
        else:
            replies.append(_("clip #{clip_id} entered in challenge #{challenge_id}", clip_id=result.entry.clip_id,
                             challenge_id=result.challenge.id))
    elif action == "vote" and len(args) == 2:
        result = await service.vote(session.member, to_id(args[0], "challenge"), to_id(args[1], "clip"))
        if result.changed:
            replies.append(_("vote for clip #{clip_id} in challenge #{challenge_id} recorded (moved from clip "
                             "#{previous})", clip_id=result.clip_id, challenge_id=result.challenge.id,
                             previous=result.previous_clip_id))
        else:
            replies.append(_("vote for clip #{clip_id} in challenge #{challenge_id} recorded",
                             clip_id=result.clip_id, challenge_id=result.challenge.id))
    elif action == "results" and len(args) == 1:
        replies.append(describe_results(await service.results(session.member, to_id(args[0], "challenge"))))
    elif action == "close" and len(args) == 1:
        replies.append(describe_results(await service.close(_operator(session), to_id(args[0], "challenge"))))
    else:
        replies.append(usage_of("challenge"))
    return "\n".join(replies)


@command("relay", "/relay start DURATION THEME [max_turns=N model=M shot_seconds=S] | add [#RELAY] TEXT "
         "| film [RELAY] | show RELAY", "/relay add the ship reaches the harbour at dawn",
         N_("relay films: members take turns adding shots to one film"))
async def _relay(session: ConsoleSession, arg: str) -> str:
    """A relay film: start, add a shot, the film so far, show (its `Usage`)."""
    service = session.challenges
    replies = await _caught_up(service)
    action, _sep, rest = arg.partition(" ")
    args = rest.split()
    if action == "start" and len(args) >= 2:
        theme, rules = _rules(" ".join(args[1:]))
        view = await service.start(_operator(session), theme, args[0], kind="relay", rules=rules)
        replies.append(describe_challenge(view))
    elif action == "add" and args:
        relay_id = to_id(args[0], "relay") if args[0].startswith("#") else None
        text = " ".join(args[1:] if relay_id is not None else args)
        added = await service.relay_add(session.member, text, relay_id, origin=console_origin())
        session.watch(added.accepted)
        replies.append(_("shot {position} of relay #{challenge_id}: {plan}", position=added.turn.position,
                         challenge_id=added.challenge.id, plan=describe_accepted(added.accepted)))
    elif action == "film" and len(args) <= 1:
        film = await service.relay_film(session.member, to_id(args[0], "relay") if args else None)
        line = _("film so far: no shot is rendered yet") if film.path is None else _("film so far: {path}", path=film.path)
        if film.pending:
            line += f" ({pending_text(film.pending)})"
        replies.append(line)
    elif action == "show" and len(args) == 1:
        replies.append(describe_challenge(await service.show(session.member, to_id(args[0], "relay"))))
    else:
        replies.append(usage_of("relay"))
    return "\n".join(replies)


@command("profile", "/profile [NAME]", "/profile bob",
         N_("a member's clips, remixes, wins, entries and relay shots"))
async def _profile(session: ConsoleSession, name: str) -> str:
    member = console_member(name) if name else session.member
    profile = await profiles.profile(session.studio, member)
    counts = [
        ngettext("{n} clip", "{n} clips", profile.clips),
        ngettext("{n} remix by others", "{n} remixes by others", profile.remixes_received),
        ngettext("{n} challenge win", "{n} challenge wins", profile.challenge_wins),
        ngettext("{n} entry", "{n} entries", profile.entries),
        ngettext("{n} relay shot", "{n} relay shots", profile.relay_turns),
    ]
    return _("{name}: {counts}", name=member.name, counts=_(", ").join(counts))
