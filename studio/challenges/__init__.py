"""Community challenges: themed vote contests and relay films, their deadlines and results.

Front-ends (the Discord cog, the console) call `ChallengeService` and render the dataclasses of `views`;
every refusal is a `common.errors.ReelbotError` (a code and a `user_message`). The package:

- `rules`: what a challenge accepts, which challenge a member means, the turn rules of a relay;
- `views`: the records front-ends render;
- `service`: start, look, close, results, deadlines; with `votes` (entries, votes) and `relay` (turns, films);
- `ranking`: standard competition ranking and the podium;
- `deadlines`: `run_due_events` at start-up and the `DeadlineLoop` of a running front-end.

Members' profiles (wins, entries, turns) live in `studio.profiles`.
"""
from studio.challenges.deadlines import DeadlineLoop, run_due_events
from studio.challenges.ranking import PODIUM
from studio.challenges.rules import (
    MAX_DURATION_S,
    MAX_RELAY_TURNS,
    MAX_THEME_CHARS,
    MAX_TURN_CHARS,
    MIN_DURATION_S,
    ChallengeRules,
    may_run_challenges,
)
from studio.challenges.service import DEADLINE_EVENT, ChallengeService
from studio.challenges.views import (
    ChallengeResults,
    ChallengeView,
    Credit,
    EntryView,
    Ranked,
    RelayFilm,
    RelayResults,
    RelayTurnAccepted,
    Results,
    SubmitResult,
    TurnView,
    VoteResult,
)

__all__ = [
    "DEADLINE_EVENT",
    "MAX_DURATION_S",
    "MAX_RELAY_TURNS",
    "MAX_THEME_CHARS",
    "MAX_TURN_CHARS",
    "MIN_DURATION_S",
    "PODIUM",
    "ChallengeResults",
    "ChallengeRules",
    "ChallengeService",
    "ChallengeView",
    "Credit",
    "DeadlineLoop",
    "EntryView",
    "Ranked",
    "RelayFilm",
    "RelayResults",
    "RelayTurnAccepted",
    "Results",
    "SubmitResult",
    "TurnView",
    "VoteResult",
    "may_run_challenges",
    "run_due_events",
]
