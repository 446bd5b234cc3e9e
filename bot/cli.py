"""`reelbot` command line: run the Discord bot, render workers, the console front-end, or one clip."""
from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from dataclasses import replace
from pathlib import Path

from studio.config import Config, load_config


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help="TOML config file (default: ./reelbot.toml if present)")
    parser.add_argument("--home", type=Path, help="data folder: database, media, models (default: ./reelbot-data)")
    parser.add_argument("--model", help="default model preset (tiny, wan-1.3b, ltx-video, cogvideox-2b)")
    parser.add_argument("--llm", choices=("rules", "transformers", "openai"), help="shot-list expander backend")
    parser.add_argument("-v", "--verbose", action="store_true")


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

    generate = sub.add_parser("generate", help="render one request and print the clip and storyboard paths")
    generate.add_argument("request", help='what to make, e.g. "a giant monster walking through New York"')
    generate.add_argument("--shots", type=int)
    generate.add_argument("--seed", type=int)
    generate.add_argument("--aspect", choices=("16:9", "9:16", "1:1"))
    generate.add_argument("--duration", type=float, help="total seconds")
    generate.add_argument("--style")
    generate.add_argument("--draft", action="store_true", help="fewer denoising steps")
    _common(generate)
    return parser


def _config(args: argparse.Namespace) -> Config:
    config = load_config(args.config)
    if args.home:
        config = replace(config, home=args.home)
    if args.model:
        config = replace(config, default_model=args.model)
    if args.llm:
        config = replace(config, expander=replace(config.expander, backend=args.llm))
    if getattr(args, "workers", None) is not None:
        config = replace(config, workers=args.workers)
    return config


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # A server's log is worth reading by default; interactive commands stay quiet unless asked.
    quiet = args.command in ("chat", "generate") and not args.verbose
    logging.basicConfig(
        level=logging.WARNING if quiet else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    config = _config(args)
    if args.command == "generate":
        from bot.console import generate_once

        return asyncio.run(generate_once(config, args))
    if args.command == "chat":
        from bot.console import chat

        return asyncio.run(chat(config))
    if args.command == "worker":
        from renderqueue.worker import run_worker
        from studio.runtime import worker_config

        run_worker(worker_config(config))
        return 0
    from bot.app import run_bot

    return run_bot(config)


if __name__ == "__main__":
    sys.exit(main())
