"""Remix trees from storage rows: structure, text, image, deleted placeholders, credits."""
from __future__ import annotations

import numpy as np
from PIL import Image

from storage.clips import ancestors, create_clip, delete_clip, get_clip
from storage_fixtures import SHOT_LIST, tiny_recipe
from studio.lineage import LineageTree, lineage_image, lineage_text, lineage_tree
from studio.remix import credit_line
from studio.members import Member

# Someone in the family's server, looking at it.
VIEWER = Member(1, "viewer", guild_id=10, channel_id=20)


def clip_by(db, name: str, parent=None, kind=None, note=None):
    return create_clip(
        db,
        guild_id=10,
        channel_id=20,
        author_id=sum(map(ord, name)),
        author_name=name,
        request="a cat sails the sea",
        shot_list=SHOT_LIST,
        recipes=[tiny_recipe()],
        model="tiny",
        parent_id=None if parent is None else parent.id,
        remix_kind=kind,
        remix_note=note,
    )


def family(db):
    """#1 alice's original; bob and dave remix it, carol remixes bob's, erin remixes carol's."""
    alice = clip_by(db, "alice")
    bob = clip_by(db, "bob", alice, "style", "style: noir")
    carol = clip_by(db, "carol", bob, "shot", "shot 2: the cat yawns")
    dave = clip_by(db, "dave", alice, "reroll", "re-rolled every shot")
    erin = clip_by(db, "erin", carol, "camera", "camera of shot 1: slow crane up")
    return alice, bob, carol, dave, erin


def test_tree_from_any_member_of_the_family(db):
    alice, bob, carol, dave, erin = family(db)
    tree = lineage_tree(db, erin.id, VIEWER)
    assert tree.root.clip_id == alice.id and tree.focus_id == erin.id and tree.size == 5
    assert [child.clip_id for child in tree.root.children] == [bob.id, dave.id]
    assert [node.author_name for node in tree.root.walk()] == ["alice", "bob", "carol", "erin", "dave"]
    assert lineage_tree(db, dave.id, VIEWER).root == tree.root
    assert lineage_text(tree) == (
        "#1 alice — original: Cat at sea\n"
        "├─ #2 bob — style: noir\n"
        "│  └─ #3 carol — shot 2: the cat yawns\n"
        "│     └─ #5 erin — camera of shot 1: slow crane up  ◀ this clip\n"
        "└─ #4 dave — re-rolled every shot"
    )


def test_deleted_clips_are_placeholders_and_their_remixes_stay_listed(db):
    alice, bob, carol, dave, erin = family(db)
    delete_clip(db, bob.id)
    delete_clip(db, alice.id)
    assert get_clip(db, carol.id).parent_id == bob.id  # the child is still there, and viewable
    text = lineage_text(lineage_tree(db, carol.id, VIEWER))
    assert text.splitlines()[:3] == [
        "#1 [deleted]",
        "├─ #2 [deleted]",
        "│  └─ #3 carol — shot 2: the cat yawns  ◀ this clip",
    ]
    assert "bob" not in text and "noir" not in text  # a deleted clip shows nothing of itself
    assert credit_line(ancestors(db, erin.id)).english() == (
        "remix of carol's clip #3, original by alice (#1 (deleted))"
    )


def test_big_families_are_cut_but_keep_the_path_to_the_clip(db):
    root = clip_by(db, "alice")
    for index in range(8):
        clip_by(db, f"fan{index}", root, "reroll", "re-rolled every shot")
    deep = clip_by(db, "zed", clip_by(db, "yan", root, "style", "style: ink"), "extend", "extended the clip")
    tree = lineage_tree(db, deep.id, VIEWER, max_nodes=4)
    ids = [node.clip_id for node in tree.root.walk()]
    assert deep.id in ids and root.id in ids and len(ids) <= 6
    assert tree.omitted == 10 - len(ids) + 1
    text = lineage_text(tree)
    assert text.endswith(f"… and {tree.omitted} more remixes")
    short = lineage_text(tree, max_chars=80)
    assert len(short) <= 80 and short.splitlines()[-1].endswith("more lines")


def test_credit_lines(db):
    alice, bob, carol, _, _ = family(db)
    assert credit_line([]) is None
    assert credit_line(ancestors(db, bob.id)).english() == "remix of alice's clip #1"
    assert credit_line(ancestors(db, carol.id), name=lambda c: f"<@{c.author_id}>").english() == (
        f"remix of <@{bob.author_id}>'s clip #2, original by <@{alice.author_id}> (#1)"
    )


def test_image_draws_one_box_per_clip(db, tmp_path):
    *_, erin = family(db)
    tree = lineage_tree(db, erin.id, VIEWER)
    path = lineage_image(tree, tmp_path / "out" / "tree.png")
    with Image.open(path) as image:
        # Four generations across, three leaves (carol/erin's line, dave) down: 2 rows.
        assert image.width > 4 * 260 and image.height < 3 * 80 + 40
        focus = (np.asarray(image.convert("RGB")) == (240, 180, 60)).all(axis=2).sum()
        assert focus > 200  # the asked-for clip is outlined
    single = lineage_image(LineageTree(tree.root.children[1], tree.root.children[1].clip_id), tmp_path / "one.png")
    with Image.open(single) as image:
        assert image.size == (300, 106)
