"""The files a forgotten member leaves behind on disk, removed after `storage.forget` changed the records.

A clip's folder (`<media>/clips/<id>/`: its video, storyboard, rendered shots `shot-*.mp4`, the last frames
that chained them `segment-*.png`, its stills and their board) shows the member's work, so it goes whole, but
for the files `Forgotten.kept_files` names (a rendered relay shot stays, anonymised, in the film others built
on). Lineage trees (`<media>/lineage/`) and challenge leaderboards (`<media>/challenges/<id>/leaderboard-*`)
are drawn from the records, so they may show the member's name: they are removed and drawn again on demand
(`/lineage`, `/challenge show|results`) from what the records say now. The render cache's files of those
shots and stills (`<media>/renders/<hash>…`, which a clip's folder names by the hash's first 12 digits) go too,
unless another clip's folder still holds them (a remix that reused a shot): a cache entry whose file is gone
is dropped when next looked up (`storage.renders.lookup_render`).
"""
from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterable
from pathlib import Path

from storage.forget import Forgotten

log = logging.getLogger(__name__)


def remove_forgotten_files(media_dir: Path, forgotten: Forgotten) -> int:
    """Remove the forgotten clips' folders (but `forgotten.kept_files`) and every drawn lineage and
    leaderboard image under `media_dir`. Returns how many files were removed; a file that cannot be removed
    is logged and left (forgetting again retries it), never raised."""
    kept = {Path(path).resolve() for path in forgotten.kept_files}
    removed = 0
    cached: set[str] = set()
    for clip_id in forgotten.clip_ids:
        folder = media_dir / "clips" / str(clip_id)
        if not folder.is_dir():
            continue
        cached |= _cache_keys(folder.rglob("*"))
        removed += _remove([path for path in folder.rglob("*") if path.is_file() and path.resolve() not in kept])
        for path in sorted(folder.rglob("*"), reverse=True):  # the emptied folders, deepest first
            with contextlib.suppress(OSError):
                path.rmdir()
        with contextlib.suppress(OSError):
            folder.rmdir()
    drawn = [*media_dir.glob("lineage/*.png"), *media_dir.glob("challenges/*/leaderboard*.png")]
    removed += _remove(drawn)
    unused = cached - _cache_keys(media_dir.glob("clips/*/**/*"))
    return removed + _remove([path for key in sorted(unused) for path in media_dir.glob(f"renders/{key}*")])


# A clip folder's copies of cached renders: `shot-01-<hash12>.mp4`, `stills/still-01-2-<hash12>.png`.
_CACHED = re.compile(r"^(?:shot-\d+|still-\d+-\d+)-([0-9a-f]{12})\.(?:mp4|png)$")


def _cache_keys(paths: Iterable[Path]) -> set[str]:
    """The render-cache hashes (first 12 digits) that these files are copies of."""
    return {match.group(1) for path in paths if (match := _CACHED.match(path.name))}


def _remove(paths: list[Path]) -> int:
    removed = 0
    for path in paths:
        try:
            path.unlink(missing_ok=True)
            removed += 1
        except OSError as error:
            log.warning("could not remove %s of a forgotten member: %s", path, error)
    return removed
