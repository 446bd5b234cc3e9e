"""Feature cogs, loaded by name from `bot.app.COGS`; each module has an async `setup(bot)`."""
