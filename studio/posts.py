"""The bot's messages and who each shows (`storage.posts`), reached by front-ends through the studio: they
record a message when they post it, again when an edit changes what it shows, drop it when they delete it,
and get back the ones to edit or take down when a member is forgotten (`Forgotten.shown`)."""
from __future__ import annotations

from storage import posts as post_store
from storage.aio import AsyncDatabase
from storage.posts import Post

__all__ = ["Post", "PostBook"]


class PostBook:
    """Part of `Studio`: the record of the bot's messages."""

    adb: AsyncDatabase

    async def record_post(self, post: Post) -> None:
        """Record a message the bot posted (or what an edit made it show: kind, detail and members replaced)."""
        await self.adb.write(post_store.record_post, post)

    async def drop_post(self, message_id: int) -> None:
        """The message was deleted: forget its record (nothing happens for one never recorded)."""
        await self.adb.write(post_store.drop_post, message_id)

    async def post(self, message_id: int) -> Post | None:
        """The recorded message with this id, or None."""
        return await self.adb.read(post_store.find_post, message_id)

    async def posts_about(self, kind: str, subject_id: int) -> list[Post]:
        """The recorded messages of `kind` about one clip or challenge, oldest first."""
        return await self.adb.read(post_store.posts_about, kind, subject_id)
