"""The files a forgotten member leaves behind on disk, removed after `storage.forget` changed the records.

A clip's folder (`<media>/clips/<id>/`: its video, storyboard, rendered shots `shot-*.mp4`, the last frames
that chained them `segment-*.png`, its stills and their board) shows the member's work, so it goes whole, but
for the files `Forgotten.kept_files` names (a rendered relay shot stays, anonymised, in the film others built
on). Lineage trees (`<media>/lineage/`) and challenge leaderboards (`<media>/challenges/<id>/leaderboard-*`)
are drawn from the records, so they may show the member's name: they are removed and drawn again on demand
(`/lineage`, `/challenge show|results`) from what the records say now.
"""
from __future__ import annotations

import contextlib
import logging
from pathlib import Path

from storage.forget import Forgotten

log = logging.getLogger(__name__)


def remove_forgotten_files(media_dir: Path, forgotten: Forgotten) -> int:
    """Remove the forgotten clips' folders (but `forgotten.kept_files`) and every drawn lineage and
    leaderboard image under `media_dir`. Returns how many files were removed; a file that cannot be removed
    is logged and left (forgetting again retries it), never raised."""
    kept = {Path(path).resolve() for path in forgotten.kept_files}
    removed = 0
    for clip_id in forgotten.clip_ids:
        folder = media_dir / "clips" / str(clip_id)
        if not folder.is_dir():
            continue
        removed += _remove([path for path in folder.rglob("*") if path.is_file() and path.resolve() not in kept])
        for path in sorted(folder.rglob("*"), reverse=True):  # the emptied folders, deepest first
            with contextlib.suppress(OSError):
                path.rmdir()
        with contextlib.suppress(OSError):
            folder.rmdir()
    drawn = [*media_dir.glob("lineage/*.png"), *media_dir.glob("challenges/*/leaderboard*.png")]
    return removed + _remove(drawn)


def _remove(paths: list[Path]) -> int:
    removed = 0
    for path in paths:
        try:
            path.unlink(missing_ok=True)
            removed += 1
        except OSError as error:
            log.warning("could not remove %s of a forgotten member: %s", path, error)
    return removed
