"""The web gallery: a server-rendered site of each server's clips, challenges and members.

`app.create_app` builds the aiohttp application, `routes` answers the pages and media, `signing` makes
and checks the signed links the bot posts, `links` builds those links. Nothing here imports discord:
the Discord bot, the console and `reelbot gallery` all serve or link to the same gallery.
"""
