"""What the console prints: a plan as queued, a job's progress and outcome, a storyboard of stills, a challenge and
its results."""
from __future__ import annotations

import time
from collections.abc import Sequence

from bot.i18n import _, error_message, ngettext, say
from bot.stages import clip_state_text, place_text, stage_text, waiting_reason
from studio.cast.credits import cast_line
from studio.cast.intake import AwaitingApproval
from studio.challenges import ChallengeView, RelayResults, Results
from studio.converters import format_duration
from studio.job_views import JobView
from studio.members import author_text
from studio.notices import RemixNotice
from studio.records import CastCredit
from studio.requests import Accepted
from studio.service import Studio
from studio.storyboards.views import StoryboardView


def progress_line(view: JobView) -> str:
    job = view.job
    if job.status == "queued" and view.estimate is not None:
        return _("clip #{clip_id}: queued, {place}, ~{seconds:.0f}s", clip_id=view.clip.id,
                 place=place_text(view.estimate), seconds=view.estimate.eta_seconds) + waiting_reason(job)
    bar = "#" * round(job.progress * 20)
    return _("clip #{clip_id}: [{bar}] {percent} {stage}", clip_id=view.clip.id, bar=f"{bar:<20}",
             percent=f"{job.progress:4.0%}", stage=stage_text(job.stage))


def describe_accepted(accepted: Accepted) -> str:
    """The plan as queued: each shot with the length it renders at, the style, and what could not be done."""
    seconds = Studio.shot_seconds(accepted.clip)
    shot_list = accepted.shot_list
    shots = "\n".join(
        f"  {index + 1}. [{length:.1f}s, {shot.camera}] {shot.action}"
        for index, (shot, length) in enumerate(zip(shot_list.shots, seconds, strict=True))
    )
    reused = ngettext(" ({n} shot reused from earlier renders)", " ({n} shots reused from earlier renders)",
                      accepted.reused) if accepted.reused else ""
    notes = "".join("\n  " + _("note: {note}", note=say(note)) for note in (*shot_list.notes, *accepted.notes))
    total = sum(seconds)
    head = _('clip #{clip_id} "{title}" via {backend}{reused}, {seconds:.1f}s', clip_id=accepted.clip.id,
             title=shot_list.title, backend=shot_list.backend, reused=reused, seconds=total)
    style = _("  style: {style}", style=shot_list.bible.style)
    return f"{head}\n{style}\n{shots}{notes}{cast_lines(accepted.cast)}"


def cast_lines(cast: Sequence[CastCredit]) -> str:
    """"\n  cast: Mira by bob" (every character, credited to its owner), or "" without a cast."""
    line = cast_line(cast)
    return "" if line is None else "\n  " + say(line)


def waiting_line(waiting: AwaitingApproval) -> str:
    """A request stored to wait for owners' approval: what the requester reads."""
    return _("waiting: {message}", message=error_message(waiting))


def describe_result(view: JobView, cast: Sequence[CastCredit] = ()) -> str:
    """A finished job as the console reports it (with the clip's `cast`, credited)."""
    if view.job.status == "done":
        return _("clip #{clip_id} ready\nvideo: {video}\nstoryboard: {storyboard}", clip_id=view.clip.id,
                 video=view.clip.video_path, storyboard=view.clip.storyboard_path) + cast_lines(cast)
    if view.job.status == "cancelled":
        return _("clip #{clip_id} cancelled", clip_id=view.clip.id)
    reason = say(view.job.reason) or _("no reason given")
    return _("clip #{clip_id} failed: {reason}", clip_id=view.clip.id, reason=reason)


def describe_notice(notice: RemixNotice) -> str:
    """A remix notice, as the console prints it for the original's author (`/notify off` stops them)."""
    parent, remix = notice.parent, notice.remix
    return _('🔁 {author}: {remixer} remixed your clip #{clip_id} "{title}" as clip #{remix_id} (/notify off to stop '
             'these notes)', author=parent.author_name, remixer=remix.author_name, clip_id=parent.id,
             title=parent.shot_list.get("title") or parent.request, remix_id=remix.id)


def describe_storyboard(view: StoryboardView, *, elsewhere: bool = False) -> str:
    """The stills of a storyboard and what the member can do next: Animate, or change a shot first (in
    `reelbot chat` when `elsewhere`: said by a command that has ended, `reelbot generate --stills`)."""
    clip_id, board = view.clip.id, view.storyboard
    if view.stage == "cancelled":
        return _("clip #{clip_id}: storyboard cancelled", clip_id=clip_id)
    if not view.is_open:  # Animate was pressed: the shots change by a remix now
        if view.stage == "animating":
            return _("clip #{clip_id}: being animated from its stills; /remix {clip_id} once it is posted",
                     clip_id=clip_id)
        if view.stage == "failed":
            return _("clip #{clip_id}: its video failed; /remix {clip_id} tries again", clip_id=clip_id)
        return _("clip #{clip_id}: animated from its stills; /clip {clip_id} shows it, /remix {clip_id} changes a shot",
                 clip_id=clip_id)
    if board.status == "stills":
        done = sum(still.status != "queued" for still in view.stills)
        lines = [_("clip #{clip_id}: stills rendering, {done} of {count} done", clip_id=clip_id, done=done,
                   count=len(view.stills))]  # fmt: skip
    else:
        lines = [_("clip #{clip_id}: stills ready\nstoryboard: {board}", clip_id=clip_id, board=view.board)]
    for still in view.stills:
        label = (_("  shot {shot}", shot=still.shot + 1) if board.takes == 1 else
                 _("  shot {shot} take {take}", shot=still.shot + 1, take=still.take + 1))
        if still.status == "queued":
            lines.append(_("{label}: rendering", label=label))
        elif still.status == "failed":
            lines.append(_("{label}: failed: {reason}", label=label, reason=say(still.reason)))
        else:
            lines.append(f"{label}{' *' if still.picked and board.takes > 1 else ''}: {still.path}")
    if not view.opens_on_still:
        lines.append(_("  preview: the video may differ ({model} can't start from a picture)", model=view.clip.model))
    if view.failed():
        lines.append(_("  /retry {clip_id} renders the failed stills again", clip_id=clip_id))
    if board.takes > 1:
        lines.append(_("  /pick {clip_id} TAKE [SHOT] picks a take (* marks the picked ones)", clip_id=clip_id))
    if elsewhere:  # `reelbot generate --stills` has ended: the commands are the console's
        lines.append(_("Animate it in `reelbot chat` with /animate {clip_id}, or change it first: /edit {clip_id} "
                       "SHOT text, /reroll {clip_id} SHOT, /remove {clip_id} SHOT, /discard {clip_id}",
                       clip_id=clip_id))  # fmt: skip
    else:
        lines.append(_("Animate? /animate {clip_id} — or first /edit {clip_id} SHOT text, /reroll {clip_id} SHOT, "
                       "/remove {clip_id} SHOT, /discard {clip_id}", clip_id=clip_id))
    if board.mode == "auto" and board.animate_at is not None:
        lines.append(_("  (animates by itself in {seconds:.0f} s unless you act)",
                       seconds=max(0.0, board.animate_at - time.time())))
    return "\n".join(lines)


def describe_challenge(view: ChallengeView) -> str:
    challenge = view.challenge
    if view.is_open:
        state = _("open, {left} left", left=say(format_duration(view.time_left)))
    else:
        state = _("closed") if challenge.status == "closed" else _("ended, results coming")
    heading = (_("relay #{challenge_id}: {theme} [{state}]") if challenge.kind == "relay"
               else _("challenge #{challenge_id}: {theme} [{state}]"))
    lines = [heading.format(challenge_id=challenge.id, theme=challenge.theme, state=state)]
    if view.rules.describe():
        lines.append(_("rules: {rules}", rules=", ".join(map(say, view.rules.describe()))))
    if challenge.kind == "vote":
        lines.append(ngettext("{n} entry", "{n} entries", len(view.entries)))
        lines += [_('  clip #{clip_id} "{title}" by {author}', clip_id=e.clip.id, title=e.title,
                    author=say(author_text(e.clip))) for e in view.entries]
    else:
        lines += [_("  shot {position} by {author} [{status}]: {text}", position=t.turn.position,
                    author=say(t.author), status=clip_state_text(t.status, t.storyboard), text=t.turn.text)
                  for t in view.turns]
    if view.results is not None:
        lines.append(describe_results(view.results))
    return "\n".join(lines)


def describe_results(results: Results) -> str:
    challenge = results.challenge
    if isinstance(results, RelayResults):
        film = results.film
        lines = [_('relay #{challenge_id} "{theme}" final cut: {film}', challenge_id=challenge.id,
                   theme=challenge.theme, film=film.path or _("no shot was rendered"))]
        lines += [_("  shot {position} by {author}: {text}", position=s.turn.position, author=say(s.author),
                    text=s.turn.text) for s in film.shots]
        if film.pending:
            lines.append(ngettext("  ({n} shot still rendering, not in this cut)",
                                  "  ({n} shots still rendering, not in this cut)", len(film.pending)))
        return "\n".join(lines)
    lines = [ngettext('challenge #{challenge_id} "{theme}" results: {n} vote',
                      'challenge #{challenge_id} "{theme}" results: {n} votes', results.total_votes,
                      challenge_id=challenge.id, theme=challenge.theme)]
    lines += [
        ngettext('  {rank}. clip #{clip_id} "{title}" by {author}: {n} vote',
                 '  {rank}. clip #{clip_id} "{title}" by {author}: {n} votes', r.votes, rank=r.rank,
                 clip_id=r.clip.id, title=r.title, author=say(author_text(r.clip)))
        for r in results.ranking
    ]
    for winner in results.winners:
        credits = results.credits.get(winner.clip.id, [])
        if credits:
            sources = ", ".join(_("#{clip_id} by {author}", clip_id=c.clip_id, author=c.name) for c in credits)
            lines.append(_("  #{clip_id} builds on {sources}", clip_id=winner.clip.id, sources=sources))
    if not results.winners:
        lines.append(_("  no votes were cast, so there is no winner"))
    if results.leaderboard_path is not None:
        lines.append(_("leaderboard: {path}", path=results.leaderboard_path))
    return "\n".join(lines)
