"""The records the core hands to front-ends, re-exported so that front-ends depend on the studio alone.

They are the storage layer's frozen dataclasses (`storage/records.py` documents their fields); front-ends
read them and never write them back.
"""
from storage.cast import Character, CharacterPicture
from storage.cast_uses import CastCredit
from storage.deliveries import DeliveryKey
from storage.forget import Forgotten
from storage.posts import Post
from storage.records import Challenge, Clip, GuildSettings, QueueEstimate, RenderJob

__all__ = ["CastCredit", "Challenge", "Character", "CharacterPicture", "Clip", "DeliveryKey", "Forgotten",
           "GuildSettings", "Post", "QueueEstimate", "RenderJob"]
