"""Permission checks follow the channel kind: in threads and forum posts, Send Messages in Threads decides."""
from __future__ import annotations

from types import SimpleNamespace

import discord
import pytest

from bot.replies import missing_posting_permissions, send_permission

TEXT = SimpleNamespace(type=discord.ChannelType.text)
THREADS = [SimpleNamespace(type=kind) for kind in (
    discord.ChannelType.public_thread,  # also every forum post
    discord.ChannelType.private_thread,
    discord.ChannelType.news_thread,
)]


@pytest.mark.parametrize("thread", THREADS)
def test_threads_need_send_messages_in_threads_not_the_parents_send_messages(thread):
    parent_only = discord.Permissions(send_messages=True, attach_files=True, embed_links=True)
    assert missing_posting_permissions(parent_only, thread) == ["send_messages_in_threads"]
    threads_only = discord.Permissions(send_messages_in_threads=True, attach_files=True, embed_links=True)
    assert missing_posting_permissions(threads_only, thread) == []
    assert send_permission(thread) == "send_messages_in_threads"


def test_channels_need_send_messages():
    threads_only = discord.Permissions(send_messages_in_threads=True, attach_files=True, embed_links=True)
    assert missing_posting_permissions(threads_only, TEXT) == ["send_messages"]
    assert missing_posting_permissions(discord.Permissions.none(), TEXT) == ["send_messages", "attach_files",
                                                                            "embed_links"]
    assert send_permission(None) == "send_messages"  # an unknown channel: the ordinary rule
