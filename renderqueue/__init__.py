"""The render queue: the fair scheduling policy, the jobs store over SQLite, the worker process that
claims and renders jobs, and the supervisor that keeps worker processes alive.

It sits between `storage` (tables) and `studio` (the application core); `generation` (pure rendering)
is what its workers call.
"""
