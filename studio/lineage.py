"""A clip's remix family: from the original down through every remix, as data, text and a PNG.

Deleted clips stay in the tree as "[deleted]" placeholders (no author, no note), so the remixes made
from them are still listed and reachable. The tree is seen from one server: remixes made in other
servers are only counted, and an ancestor from another server (a member remixing their own clip from
elsewhere) is an "[another server]" placeholder. Each clip that features characters credits their
owners (`studio.cast.credits`), in the text and in its box.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlite_utils
from PIL import Image, ImageDraw

from collections.abc import Callable, Sequence

from common.text import N_, Nn_, Text
from generation.drawing import BACKGROUND, MUTED, TEXT, face_for, fit, font, save_png, wrap
from storage import clips as clip_store
from storage.cast_uses import CastCredit, casts_of
from storage.records import Clip
from studio.cast.credits import cast_line
from studio.members import Member, author_named, visible_clip
from studio.service import Studio

# How a front-end renders the core's texts in its reader's language (bot.i18n.say); English by default.
Say = Callable[[Text], str]

# Bigger families are cut (the path to the asked-for clip is always kept), so text and image stay readable.
MAX_NODES = 50


# Clips with no parent: an original, or a set of takes (studio.takes) that picks lead on from.
ORIGINAL_KINDS = (None, "takes")

@dataclass(frozen=True)
class LineageNode:
    """A clip in a lineage tree, with what the viewer may see of it."""

    clip_id: int
    author_id: int
    author_name: str
    title: str
    remix_kind: str | None
    # What the remix changed (common.text; stored as Text JSON, older rows as literal text).
    remix_note: Text | None
    deleted: bool
    children: tuple["LineageNode", ...] = ()
    # Where the clip was made and whether it is rendered, for front-ends that link to clips.
    guild_id: int | None = None
    status: str = "ready"
    # Made in another server: shown without author, title or note.
    elsewhere: bool = False
    # The characters the clip features, each credited to its owner (none for a placeholder).
    cast: tuple[CastCredit, ...] = ()

    @classmethod
    def of(
        cls, clip: Clip, children: tuple["LineageNode", ...], *, elsewhere: bool = False,
        cast: Sequence[CastCredit] = (),
    ) -> "LineageNode":
        """The node for `clip` with its remixes as `children` and its `cast`; `elsewhere` (another server's
        clip) keeps only its id and status."""
        if elsewhere:
            return cls(clip.id, 0, "", "", None, None, clip.status == "deleted", children, clip.guild_id,
                       clip.status, elsewhere=True)
        return cls(
            clip_id=clip.id,
            author_id=clip.author_id,
            author_name=clip.author_name,
            title=str(clip.shot_list.get("title") or clip.request),
            remix_kind=clip.remix_kind,
            remix_note=Text.loads(clip.remix_note),
            deleted=clip.status == "deleted",
            children=children,
            guild_id=clip.guild_id,
            status=clip.status,
            cast=() if clip.status == "deleted" else tuple(cast),
        )

    @property
    def hidden(self) -> bool:
        """Shown as a placeholder: deleted, or from another server."""
        return self.deleted or self.elsewhere

    def author(self) -> Text:
        """The author's name, or "a deleted member" for a forgotten member."""
        return author_named(self.author_id, self.author_name)

    def what(self) -> Text | None:
        """What this clip is: the original's title, or what the remix changed; None for a placeholder."""
        if self.hidden:
            return None
        if self.remix_kind in ORIGINAL_KINDS:
            return Text.of(N_("original: {title}"), title=self.title)
        return self.remix_note or Text.raw(self.remix_kind or "")

    def walk(self) -> list["LineageNode"]:
        """This node and every node below it, depth first, parents before children."""
        return [self, *(node for child in self.children for node in child.walk())]


@dataclass(frozen=True)
class LineageTree:
    """A clip's remix family, from its original down, as the viewer may see it."""

    root: LineageNode
    # The clip that was asked about, highlighted in both renderings.
    focus_id: int
    # Remixes left out past MAX_NODES.
    omitted: int = 0
    # Remixes (and their remixes) made in other servers: counted, never listed.
    elsewhere: int = 0

    @property
    def size(self) -> int:
        """Nodes in the tree, placeholders included."""
        return len(self.root.walk())


def lineage_tree(
    db: sqlite_utils.Database, clip_id: int, viewer: Member, *, max_nodes: int = MAX_NODES
) -> LineageTree:
    """The family of clip `clip_id` (not deleted, visible to `viewer`: else NotFound), from its chain's
    original down, as `viewer` may see it: remixes made where `viewer` can't see them are only counted
    (with everything remixed from them), ancestors from elsewhere are placeholders."""
    clip = visible_clip(db, viewer, clip_id)
    path = [clip, *clip_store.ancestors(db, clip_id)]
    keep = {c.id for c in path}
    root = path[-1]
    clips = {root.id: root}
    kids: dict[int, list[int]] = {}
    omitted = elsewhere = 0
    queue = [root.id]
    # Breadth first, so a cut drops the deepest, most recent remixes rather than whole early branches.
    while queue:
        parent_id = queue.pop(0)
        kids[parent_id] = []
        for child in clip_store.children(db, parent_id, include_deleted=True):
            if child.id in clips:
                continue  # a corrupted parent cycle
            if child.id not in keep and not viewer.sees(child.guild_id, child.author_id):
                elsewhere += _family_size(db, child.id)
                continue
            if len(clips) >= max_nodes and child.id not in keep:
                omitted += 1
                continue
            clips[child.id] = child
            kids[parent_id].append(child.id)
            queue.append(child.id)

    casts = casts_of(db, clips)

    def build(node_id: int) -> LineageNode:
        node = clips[node_id]
        children = tuple(build(child) for child in kids.get(node_id, ()))
        return LineageNode.of(node, children, elsewhere=not viewer.sees(node.guild_id, node.author_id),
                              cast=casts.get(node_id, ()))

    return LineageTree(build(root.id), clip_id, omitted, elsewhere)


def _family_size(db: sqlite_utils.Database, clip_id: int) -> int:
    """The clip plus every remix below it, deleted ones included (bounded like lineage walks)."""
    row = db.execute(
        "WITH RECURSIVE family(id, depth) AS (SELECT ?, 0 UNION SELECT clips.id, family.depth + 1 "
        "FROM clips JOIN family ON clips.parent_id = family.id WHERE family.depth < ?) "
        "SELECT COUNT(*) FROM family",
        (clip_id, clip_store.MAX_LINEAGE_DEPTH),
    ).fetchone()
    return int(row[0])


async def lineage(studio: Studio, member: Member, clip_id: int) -> LineageTree:
    """The lineage of a clip `member` can see, as seen from where they are. Raises NotFound."""
    return await studio.adb.read(lineage_tree, clip_id, member)


def node_label(node: LineageNode) -> Text:
    """A node as one line of the text tree: "#id author — what" (placeholders for deleted clips and other
    servers), for a front-end to translate."""
    if node.elsewhere:
        return Text.of(N_("#{clip_id} [another server]"), clip_id=node.clip_id)
    if node.deleted:
        return Text.of(N_("#{clip_id} [deleted]"), clip_id=node.clip_id)
    if node.cast:
        return Text.of(N_("#{clip_id} {author} — {what} · {cast}"), clip_id=node.clip_id, author=node.author(),
                       what=node.what(), cast=cast_line(node.cast))
    return Text.of(N_("#{clip_id} {author} — {what}"), clip_id=node.clip_id, author=node.author(), what=node.what())


def node_heading(node: LineageNode) -> Text:
    """A box's first line in the image: the placeholder, or the clip's number and author."""
    return node_label(node) if node.hidden else Text.of(N_("#{clip_id} {author}"), clip_id=node.clip_id,
                                                          author=node.author())


def tree_notes(tree: LineageTree) -> list[Text]:
    """What the tree leaves out: remixes cut past MAX_NODES, remixes in other servers."""
    notes = []
    if tree.omitted:
        notes.append(Text.count(Nn_("… and {n} more remix", "… and {n} more remixes"), tree.omitted))
    if tree.elsewhere:
        notes.append(Text.count(Nn_("+ {n} remix in other servers", "+ {n} remixes in other servers"), tree.elsewhere))
    return notes


def lineage_text(tree: LineageTree, *, max_chars: int | None = None, say: Say = Text.english) -> str:
    """An indented tree, its words through `say` (the reader's language); `max_chars` (a chat message
    limit) cuts whole lines and says how many."""
    lines: list[str] = []

    def add(node: LineageNode, lead: str, branch: str) -> None:
        mark = "  " + say(Text.of(N_("◀ this clip"))) if node.clip_id == tree.focus_id else ""
        lines.append(f"{lead}{branch}{say(node_label(node))}{mark}")
        below = lead + ("" if not branch else "   " if branch == "└─ " else "│  ")
        for index, child in enumerate(node.children):
            add(child, below, "└─ " if index == len(node.children) - 1 else "├─ ")

    add(tree.root, "", "")
    lines += [say(note) for note in tree_notes(tree)]
    if max_chars is None or len("\n".join(lines)) <= max_chars:
        return "\n".join(lines)
    kept: list[str] = []
    for line in lines:
        more = say(Text.count(Nn_("… {n} more line", "… {n} more lines"), len(lines) - len(kept)))
        if len("\n".join([*kept, line, more])) > max_chars:
            return "\n".join([*kept, more])
        kept.append(line)
    return "\n".join(kept)


# --- the image --------------------------------------------------------------------------------------

BOX_WIDTH = 260
BOX_HEIGHT = 66
COLUMN_GAP = 48
ROW_GAP = 14
MARGIN = 20
FONT_SIZE = 14
EDGE = (110, 110, 125)
FILL = {"original": (28, 64, 72), "remix": (40, 40, 48), "deleted": (26, 26, 30)}
FOCUS = (240, 180, 60)
# The cast line under a box's words, in the gallery's character colour.
CAST = (150, 200, 235)
CAST_LINE = FONT_SIZE + 6


def lineage_image(tree: LineageTree, out_path: Path, *, say: Say = Text.english) -> Path:
    """A left-to-right tree: the original on the left, each remix a box right of its parent; its words
    through `say` (the reader's language)."""
    rows: dict[int, float] = {}
    depths: dict[int, int] = {}
    next_row = 0

    def place(node: LineageNode, depth: int) -> float:
        # Leaves take the next free row; a parent sits level with the middle of its children.
        nonlocal next_row
        depths[node.clip_id] = depth
        if node.children:
            placed = [place(child, depth + 1) for child in node.children]
            rows[node.clip_id] = (placed[0] + placed[-1]) / 2
        else:
            rows[node.clip_id] = next_row
            next_row += 1
        return rows[node.clip_id]

    place(tree.root, 0)
    regular, bold = font(FONT_SIZE), font(FONT_SIZE + 1)
    notes = [say(note) for note in tree_notes(tree)]
    footer = 24 if notes else 0
    nodes = tree.root.walk()
    # Boxes grow a line when any clip of the family features characters: the cast, credited to owners.
    box_height = BOX_HEIGHT + (CAST_LINE if any(node.cast for node in nodes) else 0)
    width = 2 * MARGIN + (max(depths.values()) + 1) * (BOX_WIDTH + COLUMN_GAP) - COLUMN_GAP
    height = 2 * MARGIN + next_row * (box_height + ROW_GAP) - ROW_GAP + footer
    image = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(image)

    def corner(node: LineageNode) -> tuple[int, int]:
        return (MARGIN + depths[node.clip_id] * (BOX_WIDTH + COLUMN_GAP),
                round(MARGIN + rows[node.clip_id] * (box_height + ROW_GAP)))

    for node in nodes:  # edges first, so boxes cover their ends
        x, y = corner(node)
        for child in node.children:
            cx, cy = corner(child)
            middle = x + BOX_WIDTH + COLUMN_GAP // 2
            draw.line([(x + BOX_WIDTH, y + box_height // 2), (middle, y + box_height // 2),
                       (middle, cy + box_height // 2), (cx, cy + box_height // 2)], fill=EDGE, width=2)
    for node in nodes:
        x, y = corner(node)
        kind = "deleted" if node.hidden else "original" if node.remix_kind in ORIGINAL_KINDS else "remix"
        focused = node.clip_id == tree.focus_id
        draw.rounded_rectangle([x, y, x + BOX_WIDTH, y + box_height], radius=8, fill=FILL[kind],
                               outline=FOCUS if focused else EDGE, width=3 if focused else 1)
        # A name no font here can draw leaves the clip's number: the message's text tree names it.
        heading = say(node_heading(node))
        heading_face = face_for(heading, bold)
        draw.text((x + 10, y + 8), fit(heading, heading_face, BOX_WIDTH - 20) or f"#{node.clip_id}",
                  font=heading_face, fill=MUTED if node.hidden else TEXT)
        what = node.what()
        what = say(what) if what is not None else ""
        what_face = face_for(what, regular)
        for index, line in enumerate(wrap(what, what_face, BOX_WIDTH - 20, 2)):
            draw.text((x + 10, y + 28 + index * (FONT_SIZE + 4)), line, font=what_face, fill=MUTED)
        if node.cast:
            cast = say(cast_line(node.cast))
            cast_face = face_for(cast, regular)
            draw.text((x + 10, y + BOX_HEIGHT - 2), fit(cast, cast_face, BOX_WIDTH - 20) or "",
                      font=cast_face, fill=CAST)
    if notes:
        draw.text((MARGIN, height - MARGIN - 16), " · ".join(notes), font=regular, fill=MUTED)
    return save_png(image, Path(out_path))

