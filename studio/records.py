"""The records the core hands to front-ends, re-exported so that front-ends depend on the studio alone.

They are the storage layer's frozen dataclasses (`storage/records.py` documents their fields); front-ends
read them and never write them back.
"""
from storage.forget import Forgotten
from storage.posts import Post
from storage.records import Challenge, Clip, GuildSettings, QueueEstimate, RenderJob

__all__ = ["Challenge", "Clip", "Forgotten", "GuildSettings", "Post", "QueueEstimate", "RenderJob"]
