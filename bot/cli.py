"""`reelbot` command line: run the Discord bot, render workers, the console front-end, or one clip;
list and download models; check the setup."""
from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from bot.cast_args import cast_arguments
from common.errors import InvalidValue
from common.logs import configure_logging
from common.redact import install_redaction
from generation.registry import ASPECTS
from prompts.expand import BACKENDS
from studio.config import Config, ConfigError, load_config
from studio.converters import to_whole_number


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help="TOML config file (default: ./reelbot.toml if present)")
    parser.add_argument("--home", type=Path, help="data folder: database, media, models (default: ./reelbot-data)")
    parser.add_argument("--model", help="default model preset, or auto (see `reelbot models`)")
    parser.add_argument("--llm", choices=BACKENDS, help="shot-list expander backend (default auto)")
    parser.add_argument("-v", "--verbose", action="store_true")


def _language(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", help="language of replies, e.g. zh-CN (default: the environment's locale)")


def _workers(value: str) -> int | str:
    if value == "auto":
        return value
    try:
        return to_whole_number(value, "workers", 0, 64)
    except InvalidValue as error:
        raise argparse.ArgumentTypeError(f'{error.user_message} (or "auto")') from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="reelbot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the Discord bot (reads DISCORD_TOKEN) with its render workers")
    run.add_argument("--workers", type=_workers, help='render worker processes: a number (0: run them separately) '
                     'or "auto" (one per GPU, each pinned to it)')
    _common(run)

    worker = sub.add_parser("worker", help="run one more render worker against the same database")
    _common(worker)

    gpu_node = sub.add_parser(
        "gpu-node", help="join a Ray cluster as a GPU host for the render queue (needs reelbot[cluster])"
    )
    gpu_node.add_argument("--address", required=True, help="the Ray head, HOST:PORT (from `ray start --head`)")
    gpu_node.add_argument("--models", type=Path, help="model folder on this host (default: <home>/models)")
    gpu_node.add_argument(
        "--presets", help="comma-separated presets this host serves (default: those found on disk)"
    )
    gpu_node.add_argument("--num-gpus", type=int, help="GPUs to offer (default: Ray counts them)")
    _common(gpu_node)

    chat = sub.add_parser("chat", help="console front-end: type requests and remixes, get file paths")
    _common(chat)
    _language(chat)

    gallery = sub.add_parser("gallery", help="serve the web gallery alone (the bot serves it too, beside itself)")
    gallery.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    gallery.add_argument("--port", type=int, help="port to listen on (default 8765)")
    _common(gallery)

    generate = sub.add_parser("generate", help="render one request and print the clip and storyboard paths")
    generate.add_argument("request", help='what to make, e.g. "a giant monster walking through New York"')
    generate.add_argument("--shots", type=int)
    generate.add_argument("--seed", type=int)
    generate.add_argument("--aspect", choices=tuple(ASPECTS))
    generate.add_argument("--duration", type=float, help="total seconds")
    generate.add_argument("--style")
    generate.add_argument("--draft", action="store_true", help="fewer denoising steps")
    generate.add_argument("--image", type=Path, help="a PNG, JPEG or WebP picture the video starts from")
    generate.add_argument("--stills", action="store_true",
                          help="stop after every shot's still: print the storyboard's and each still's path")
    generate.add_argument("--cast", help="characters to feature, by name or alias, comma-separated")
    _common(generate)
    _language(generate)

    def cast_flags(parser: argparse.ArgumentParser) -> None:
        _common(parser)
        _language(parser)

    cast_arguments(sub.add_parser("cast", help="your characters: create, list, show, edit, delete, and answering "
                                  "requests for them"), cast_flags)

    models = sub.add_parser("models", help="list model presets: on disk, size, GPU memory, image-to-video")
    models_sub = models.add_subparsers(dest="models_command")
    pull = models_sub.add_parser("pull", help="download a model into <home>/models/<name> (resumable)")
    pull.add_argument("name", help="preset name, e.g. wan-1.3b, or planner (the LLM that writes shot lists)")
    pull.add_argument("--from", dest="source", type=Path, help="copy from a local copy of the repo instead")
    _common(pull)
    _common(models)

    doctor = sub.add_parser("doctor", help="check Python, torch, GPUs, packages, fonts, models, LLM, token")
    _common(doctor)

    plan = sub.add_parser("plan", help="print the shot plan a request gets, without rendering")
    plan.add_argument("request", help='what to make, e.g. "a fox at dusk, then it sleeps, 2 shots, vertical"')
    plan.add_argument("--shots", type=int)
    plan.add_argument("--duration", type=float, help="total seconds")
    plan.add_argument("--aspect", choices=tuple(ASPECTS))
    plan.add_argument("--style")
    plan.add_argument("--json", action="store_true", help="print the plan as JSON")
    _common(plan)
    _language(plan)
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
    gallery = {key: getattr(args, key) for key in ("host", "port") if getattr(args, key, None) is not None}
    if gallery:
        overrides["gallery"] = gallery
    return load_config(args.config, **overrides)


def _gpu_node(config: Config, args: argparse.Namespace) -> int:
    import subprocess

    from renderqueue.cluster import gpu_node_command, gpu_node_environment, presets_on_disk

    models_dir = args.models or config.models_dir
    presets = [name.strip() for name in args.presets.split(",") if name.strip()] if args.presets else None
    try:
        command = gpu_node_command(args.address, presets or presets_on_disk(models_dir), num_gpus=args.num_gpus)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    logging.info("joining %s: %s", args.address, " ".join(command))
    try:
        return subprocess.run(command, env=gpu_node_environment(models_dir)).returncode
    except FileNotFoundError:
        print("error: Ray is not installed here; run: pip install 'reelbot[cluster]'", file=sys.stderr)
        return 2


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # A server's log is worth reading by default; interactive commands stay quiet unless asked.
    quiet = args.command in ("chat", "generate", "plan", "cast") and not args.verbose
    try:
        config = _config(args)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    interactive = args.command in ("chat", "generate") and not args.verbose
    configure_logging(logging.WARNING if quiet else logging.INFO,
                      Path(config.home) / "logs" / "console.log" if interactive else None)
    install_redaction(config.secrets)
    if args.command in ("chat", "generate", "plan", "cast"):
        from bot.i18n import environment_language, use

        # Entered before asyncio.run: its task, and every task and thread it starts, inherit the language;
        # left when the command ends, so a caller (a test, a script) keeps its own.
        with use(args.lang or environment_language()):
            return _run(config, args)
    return _run(config, args)


def _run(config: Config, args: argparse.Namespace) -> int:
    """The command `args` names, with `config` loaded."""
    if args.command == "models":
        from bot.models_cli import list_models, pull_model

        return pull_model(config, args.name, args.source) if args.models_command == "pull" else list_models(config)
    if args.command == "doctor":
        from studio.doctor import run_checks

        checks = run_checks(config)
        print("\n".join(check.line() for check in checks))
        return 0 if all(check.ok for check in checks) else 1
    if args.command == "plan":
        return asyncio.run(_plan(config, args))
    if args.command == "cast":
        from bot.console.cast_commands import cli_cast

        return asyncio.run(cli_cast(config, args))
    if args.command == "generate":
        from bot.console import generate_once

        return asyncio.run(generate_once(config, args))
    if args.command == "chat":
        from bot.console import chat

        return asyncio.run(chat(config))
    if args.command == "gpu-node":
        return _gpu_node(config, args)
    if args.command == "gallery":
        from bot.gallery.app import GalleryUnavailable, serve_gallery

        try:
            asyncio.run(serve_gallery(config))
        except GalleryUnavailable as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            pass
        return 0
    if args.command == "worker":
        from studio.worker_process import local_worker_refusal, serve

        refusal = local_worker_refusal(config)
        if refusal is not None:
            print(f"error: {refusal}", file=sys.stderr)
            return 2
        serve(config)
        return 0
    from bot.app import run_bot

    return run_bot(config)


async def _plan(config: Config, args: argparse.Namespace) -> int:
    import json

    from bot.i18n import error_message, say
    from generation.errors import RecipeError
    from prompts.base import ExpandOptions
    from prompts.errors import PromptError
    from prompts.expand import build_expander
    from studio.config import expander_config, with_auto_model
    from studio.plan_view import plan_request

    # "auto" (the default) stands for this host's pick, as for a render: the plan shows that model's frames.
    config = with_auto_model(config)
    options = ExpandOptions(shots=args.shots, duration=args.duration, aspect=args.aspect, style=args.style)
    try:
        view = await plan_request(args.request, options, expander=build_expander(expander_config(config)),
                                  policy=config.safety, model=config.default_model)
    except (PromptError, RecipeError) as error:
        print(f"error: {error_message(error)}", file=sys.stderr)
        return 2
    print(json.dumps(view.as_json(say), ensure_ascii=False, indent=2) if args.json else view.as_text(say))
    return 0


if __name__ == "__main__":
    sys.exit(main())
