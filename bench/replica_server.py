"""Serve a replica news site on loopback until interrupted, for benchmarks and for a look by hand.

    python bench/replica_server.py --articles 2000 --theme congthuong --profile
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from replica import (  # noqa: E402 (needs the repository root on sys.path)
    ReplicaServer,
    build_site,
    congthuong_profile_toml,
    portal_profile_toml,
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--theme", choices=("congthuong", "portal"), default="congthuong")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--page-size", type=int, default=20)
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--conditional", action="store_true", help="send ETag/Last-Modified")
    parser.add_argument("--profile", action="store_true",
                        help="print a newswatch site profile for this replica")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    site = build_site(args.articles, theme=args.theme, seed=args.seed, page_size=args.page_size)
    site.conditional = args.conditional
    with ReplicaServer(site, port=args.port) as server:
        print(server.base_url + site.section_path, flush=True)
        if args.profile:
            profile = congthuong_profile_toml if args.theme == "congthuong" else portal_profile_toml
            print(profile(server.base_url), flush=True)
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        stop.wait()
    print(f"served {len(site.request_log)} requests", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
