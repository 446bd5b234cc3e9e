"""Shot durations: fitting per-shot lengths to a clip total within the schema's bounds."""
from __future__ import annotations

from prompts.schema import MAX_SHOT_SECONDS, MIN_SHOT_SECONDS

# Longest clip one request may ask for; longer asks are capped (render time grows with every second).
MAX_TOTAL_SECONDS = 24.0


def fit_durations(weights: list[float], total: float | None = None) -> list[float]:
    """Scale `weights` (seconds or relative lengths) to sum to `total` (default: their own sum), keeping every
    shot within [MIN_SHOT_SECONDS, MAX_SHOT_SECONDS] and the clip within MAX_TOTAL_SECONDS; tenths of a second."""
    count = len(weights)
    weights = [min(max(float(weight), MIN_SHOT_SECONDS), MAX_SHOT_SECONDS) for weight in weights]
    target = sum(weights) if total is None else float(total)
    target = round(min(max(target, count * MIN_SHOT_SECONDS), count * MAX_SHOT_SECONDS, MAX_TOTAL_SECONDS), 1)
    scale = target / sum(weights)
    durations = [round(min(max(weight * scale, MIN_SHOT_SECONDS), MAX_SHOT_SECONDS), 1) for weight in weights]
    # Clamping and rounding leave a remainder; hand it out in tenths to the shots that still have room.
    remainder = round((target - sum(durations)) * 10)
    step = 1 if remainder > 0 else -1
    order = sorted(range(count), key=lambda index: -weights[index])
    while remainder:
        movable = [i for i in order if MIN_SHOT_SECONDS <= durations[i] + step / 10 <= MAX_SHOT_SECONDS]
        if not movable:
            break
        for index in movable:
            if not remainder:
                break
            durations[index] = round(durations[index] + step / 10, 1)
            remainder -= step
    return durations
