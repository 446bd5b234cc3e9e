"""Licences of the weights Reelbot can download or build: one entry per preset and adapter.

`spdx` is the model card's `license:` field as the Hugging Face hub shows it (an SPDX-style id, or "other"
when the repo ships its own terms); `terms` says where those terms are. Anything that is not Apache-2.0,
MIT or BSD-like is *restricted*: `reelbot models` flags it, and nothing picks it on its own (`auto`, the
picture fallback, draft paths) unless the operator accepted it by name (`[models] accept_licences`).
A member or operator who names a restricted preset explicitly gets it: that choice is theirs.
"""
from __future__ import annotations

from dataclasses import dataclass

# Licences that let anyone use, change and share the weights, commercially too, with attribution only.
PERMISSIVE = frozenset({"apache-2.0", "mit", "bsd-2-clause", "bsd-3-clause"})


@dataclass(frozen=True)
class Licence:
    """`spdx`: the card's licence id ("apache-2.0", "other"); `terms`: where the terms are, for the operator."""

    spdx: str
    terms: str

    @property
    def permissive(self) -> bool:
        return self.spdx in PERMISSIVE


_OURS = Licence("apache-2.0", "built by Reelbot from random weights (Reelbot's own Apache-2.0 licence)")
_WAN = Licence("apache-2.0", "model card: license apache-2.0 (Wan-AI)")

LICENCES: dict[str, Licence] = {
    "wan-1.3b": _WAN,
    "wan2.2-ti2v-5b": _WAN,
    "wan-vace-1.3b": _WAN,
    # The card's field is "other": the repo's License.txt sets use restrictions (OpenRAIL-M style for the
    # 0.9.x weights; later checkpoints moved to the "LTXV Open Weights" licence).
    "ltx-video": Licence("other", "Lightricks/LTX-Video License.txt: use-based restrictions, not Apache/MIT"),
    # CogVideoX-2b alone is Apache-2.0; the 5B models have their own CogVideoX licence.
    "cogvideox-2b": Licence("apache-2.0", "model card: license apache-2.0 (CogVideoX-2b only; not the 5B)"),
    # FastVideo releases "model weights, training recipe, and dataset under the Apache-2.0 license".
    "fastwan2.2-ti2v-5b": Licence("apache-2.0", "model card: license apache-2.0 (FastVideo, hao-ai-lab)"),
    # The LLM planner (`reelbot models pull planner`): the 1.5B size is Apache-2.0; the 3B is not.
    "planner": Licence("apache-2.0", "model card: license apache-2.0 (Qwen2.5-1.5B-Instruct)"),
    "tiny-wan": _OURS,
    "tiny-wan2.2": _OURS,
    "tiny-wan-vace": _OURS,
    "tiny-ltx": _OURS,
    "tiny-cogvideox": _OURS,
    "tiny-fastwan2.2": _OURS,
    "tiny-wan-distill-lora": _OURS,
    "tiny-ltx-distill-lora": _OURS,
    "tiny-cogvideox-distill-lora": _OURS,
}


def licence_of(name: str) -> Licence:
    """The licence of preset or adapter `name`. Raises KeyError for a name without an entry (a test checks
    that every preset and adapter has one)."""
    return LICENCES[name]


def allowed_unasked(name: str, accepted: frozenset[str] | set[str] | tuple[str, ...] = ()) -> bool:
    """Whether Reelbot may pick `name` on its own: a permissive licence, or one the operator accepted."""
    return licence_of(name).permissive or name in accepted
