"""`reelbot` command line: run the Discord bot, render workers, the console front-end, or one clip."""
from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from generation.registry import ASPECTS
from studio.config import Config, ConfigError, load_config


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help="TOML config file (default: ./reelbot.toml if present)")
    parser.add_argument("--home", type=Path, help="data folder: database, media, models (default: ./reelbot-data)")
    parser.add_argument("--model", help="default model preset (tiny, wan-1.3b, ltx-video, cogvideox-2b)")
    parser.add_argument("--llm", choices=("rules", "transformers", "openai"), help="shot-list expander backend")
    parser.add_argument("-v", "--verbose", action="store_true")


def _language(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", help="language of replies, e.g. zh-CN (default: the environment's locale)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="reelbot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the Discord bot (reads DISCORD_TOKEN) with its render workers")
    run.add_argument("--workers", type=int, help="render worker processes to start (0: run them separately)")
    _common(run)

    worker = sub.add_parser("worker", help="run one more render worker against the same database")
    _common(worker)

    chat = sub.add_parser("chat", help="console front-end: type requests and remixes, get file paths")
    _common(chat)
    _language(chat)

    generate = sub.add_parser("generate", help="render one request and print the clip and storyboard paths")
    generate.add_argument("request", help='what to make, e.g. "a giant monster walking through New York"')
    generate.add_argument("--shots", type=int)
    generate.add_argument("--seed", type=int)
    generate.add_argument("--aspect", choices=tuple(ASPECTS))
    generate.add_argument("--duration", type=float, help="total seconds")
    generate.add_argument("--style")
    generate.add_argument("--draft", action="store_true", help="fewer denoising steps")
    _common(generate)
    _language(generate)
    return parser


def _config(args: argparse.Namespace) -> Config:
    """The settings source with the command line's overrides on top (see `studio.config.load_config`)."""
    overrides: dict = {}
    if args.home:
        overrides["home"] = args.home
    if args.model:
        overrides["default_model"] = args.model
    if args.llm:
        overrides["expander"] = {"backend": args.llm}
    if getattr(args, "workers", None) is not None:
        overrides["workers"] = args.workers
    return load_config(args.config, **overrides)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # A server's log is worth reading by default; interactive commands stay quiet unless asked.
    quiet = args.command in ("chat", "generate") and not args.verbose
    logging.basicConfig(
        level=logging.WARNING if quiet else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        config = _config(args)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.command in ("chat", "generate"):
        from bot.i18n import environment_language, set_language

        # Set before asyncio.run: its task, and every task and thread it starts, inherit the language.
        set_language(args.lang or environment_language())
    if args.command == "generate":
        from bot.console import generate_once

        return asyncio.run(generate_once(config, args))
    if args.command == "chat":
        from bot.console import chat

        return asyncio.run(chat(config))
    if args.command == "worker":
        from studio.worker_process import serve

        serve(config)
        return 0
    from bot.app import run_bot

    return run_bot(config)


if __name__ == "__main__":
    sys.exit(main())
