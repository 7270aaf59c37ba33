"""``python -m devstack``: ``up`` runs the platform, ``token`` prints a development token."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from devstack.paths import StackPaths, default_base_dir
from devstack.stack import UP_TOKEN_TTL_SECONDS, Stack, StackError
from devstack.tokens import DEFAULT_SUBJECT, load_or_create_secret, mint_token, normalise_scopes


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m devstack", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    up = commands.add_parser("up", help="run PostgreSQL, the broker and the four services")
    up.add_argument(
        "--base-dir", type=Path, default=None, help="state directory (default: <repo>/.devstack)"
    )
    up.add_argument(
        "--port-base",
        type=int,
        default=None,
        help="service ports are PORT_BASE..PORT_BASE+3 (default 8711)",
    )
    up.add_argument(
        "--postgres-port", type=int, default=None, help="preferred PostgreSQL port (default 55432)"
    )
    up.add_argument(
        "--broker-port", type=int, default=None, help="preferred broker port (default 59092)"
    )
    up.add_argument("--seed", action="store_true", help="load demonstration data once ready")
    up.add_argument(
        "--ready-timeout",
        type=float,
        default=120.0,
        help="seconds to wait for every service to be ready",
    )
    up.add_argument("-v", "--verbose", action="store_true", help="debug logging")

    token = commands.add_parser(
        "token", help="print a development JWT signed with the stack's secret"
    )
    token.add_argument(
        "--scopes",
        default="",
        help='space separated, e.g. "appraisal:write talent:read" (default: all)',
    )
    token.add_argument("--org", default=None, help="organisation code claim, e.g. RR8")
    token.add_argument("--region", default=None, help="region code claim, e.g. Y56")
    token.add_argument("--sub", default=DEFAULT_SUBJECT, help="subject claim")
    token.add_argument("--ttl", type=int, default=3600, help="lifetime in seconds")
    token.add_argument(
        "--base-dir",
        type=Path,
        default=None,
        help="state directory holding the secret (default: <repo>/.devstack)",
    )
    return parser


def _token(args: argparse.Namespace) -> int:
    paths = StackPaths(args.base_dir if args.base_dir is not None else default_base_dir())
    secret = load_or_create_secret(paths.secret_file)
    print(
        mint_token(
            secret=secret,
            subject=args.sub,
            scopes=normalise_scopes(args.scopes),
            org=args.org,
            region=args.region,
            ttl_seconds=args.ttl,
        )
    )
    return 0


_interrupts = 0


def _interrupt(signum: int, frame: FrameType | None) -> None:
    """Ctrl-C, SIGTERM and SIGHUP (terminal closed) all take the same orderly path.

    Said here, when it happens: the stop itself may run inside ``Stack.start`` (which undoes
    a half-done start) before the exception reaches the command.
    """
    global _interrupts
    _interrupts += 1
    if _interrupts == 1:
        print("\ndevstack | stopping (Ctrl-C again to kill)", file=sys.stderr, flush=True)
    raise KeyboardInterrupt


def _up(args: argparse.Namespace) -> int:
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="devstack | %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("aiokafka").setLevel(logging.WARNING)
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _interrupt)
    try:
        stack = Stack(
            args.base_dir,
            port_base=args.port_base,
            postgres_port=args.postgres_port,
            broker_port=args.broker_port,
            seed=args.seed,
            ready_timeout=args.ready_timeout,
        )
    except FileNotFoundError as error:
        print(f"devstack: {error}", file=sys.stderr)
        return 2
    code = 0
    try:
        stack.start()
        print("\nThe platform is up (Ctrl-C stops everything):", flush=True)
        for line in stack.describe():
            print(line)
        hours = UP_TOKEN_TTL_SECONDS // 3600
        print(f"\nDevelopment token (every scope, {hours} h; `make token` mints others):")
        print(f"  {stack.token}\n", flush=True)
        stack.monitor()
    except KeyboardInterrupt:
        pass
    except StackError as error:
        print(f"devstack | {error}", file=sys.stderr, flush=True)
        code = 1
    finally:
        try:
            if _interrupts >= 2:
                raise KeyboardInterrupt
            stack.stop()
        except KeyboardInterrupt:
            # A second Ctrl-C while stopping (perhaps inside a failed start): no more waiting.
            print("devstack | killing everything", file=sys.stderr, flush=True)
            stack.kill_all()
    return code


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "token":
        return _token(args)
    return _up(args)
