"""Shot size and camera move: one table of the pairs that go together, and the pick for each shot.

An asked size keeps its size and takes a move that fits it ("close-up" never meets "rising aerial
pull-away"); an asked move takes a size that fits it; neither asked, each shot's role (establishing, detail,
...) prefers its own. Every pair a plan gets is in PAIRS.
"""
from __future__ import annotations

import hashlib

# Size -> the moves that fit it, the most natural first.
PAIRS: dict[str, tuple[str, ...]] = {
    "extreme wide establishing shot": ("slow aerial push-in", "slow pan across the scene", "static camera",
                                       "slow crane down"),
    "wide establishing shot": ("slow pan across the scene", "slow aerial push-in", "static camera", "slow dolly-in"),
    "wide shot": ("crane up and pull back to reveal the surroundings", "slow pan", "static camera", "slow dolly-in",
                  "tracking shot", "zoom out", "orbiting camera", "slow zoom in", "handheld camera", "dolly zoom"),
    "medium wide shot": ("slow dolly-in", "smooth lateral tracking", "gentle handheld follow", "static camera",
                         "slow arc around the subject", "tracking shot", "handheld camera", "slow pan", "dolly zoom",
                         "slow zoom in", "zoom out", "orbiting camera"),
    "medium shot": ("smooth lateral tracking", "gentle handheld follow", "slow push-in", "static camera",
                    "handheld camera", "tracking shot", "orbiting camera", "slow pan", "slow zoom in", "dolly zoom"),
    "medium close-up": ("slow push-in", "static camera", "gentle handheld follow", "handheld camera",
                        "slow zoom in", "slow rack focus"),
    "close-up": ("slow push-in", "slow rack focus", "static camera", "handheld camera", "slow zoom in",
                 "gentle handheld follow"),
    "extreme close-up": ("static camera", "slow rack focus", "slow push-in", "slow zoom in"),
    "low-angle shot": ("slow tilt up", "slow orbit", "static camera", "tracking shot", "slow push-in",
                       "handheld camera", "orbiting camera"),
    "aerial drone shot": ("slow aerial push-in", "rising aerial pull-away", "orbiting camera", "tracking shot",
                          "slow pan", "zoom out"),
    "overhead top-down shot": ("static camera", "slow rotation", "slow crane down", "slow zoom in", "zoom out"),
    "first-person POV shot": ("handheld camera", "tracking shot", "static camera", "slow pan"),
}

# What each shot of a sequence is for: the sizes it prefers, then the moves.
ROLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "single": (("medium wide shot",), ("slow dolly-in", "slow arc around the subject")),
    "establishing": (("extreme wide establishing shot", "wide establishing shot"),
                     ("slow aerial push-in", "slow pan across the scene")),
    "introduce": (("medium wide shot",), ("slow dolly-in", "smooth lateral tracking")),
    "action": (("medium shot",), ("smooth lateral tracking", "gentle handheld follow")),
    "detail": (("close-up", "extreme close-up"), ("slow push-in", "slow rack focus")),
    "reaction": (("medium close-up", "close-up"), ("slow push-in", "static camera")),
    "payoff": (("wide shot",), ("crane up and pull back to reveal the surroundings", "slow pan")),
}


def fits(size: str, move: str) -> bool:
    return move in PAIRS.get(size, ())


def pick(key: str, choices: tuple[str, ...]) -> str:
    """One of `choices`, the same for the same key in every process (unlike hash())."""
    return choices[int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big") % len(choices)]


def camera(role: str, key: str, asked_size: str | None = None, asked_move: str | None = None,
           avoid: str | None = None) -> tuple[str, str]:
    """(size, move) for a shot of `role`; `key` makes the choice among equals stable per request; `avoid`
    ("size, move": the previous shot's) is not chosen again while the role has another fitting move."""
    sizes, moves = ROLES[role]
    if asked_size and asked_size not in PAIRS:
        asked_size = None
    if asked_size:
        size = asked_size
    elif asked_move:
        fitting = [candidate for candidate in sizes if fits(candidate, asked_move)] or \
                  [candidate for candidate in PAIRS if fits(candidate, asked_move)]
        size = pick(key + "size", tuple(fitting)) if fitting else pick(key + "size", sizes)
    else:
        size = pick(key + "size", sizes)
    if asked_move and fits(size, asked_move):
        return size, asked_move
    preferred = tuple(move for move in moves if fits(size, move)) or PAIRS[size][:2]
    move = pick(key, preferred)
    if avoid == f"{size}, {move}":
        move = next((other for other in (*preferred, *PAIRS[size]) if other != move), move)
    return size, move
