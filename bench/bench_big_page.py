"""Peak memory and database growth of `newswatch crawl` when one article page is 20 MB.

The same small replica site is crawled by the real `newswatch crawl`, each time in a subprocess
of its own (peak RSS from os.wait4) on a fresh SQLite database:

1. baseline: every article of ordinary size;
2. one article is 20 MB of text (body and body HTML 20 MB each), `max_size` raised to take it;
3. one article page is 20 MB of inline data (base64 images, a script), its text ordinary;
4. the 20 MB text page under the default `max_size` (16 MiB): refused, a failure.

The replicas run in a separate server process: Linux counts a child's peak RSS from the moment it
is forked, so the parent stays small.

Run from the repository root: python bench/bench_big_page.py [--mb 20]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_RSS_MB = 200
WORDS = ("Bộ Công Thương tổ chức hội nghị triển khai chương trình khuyến công quốc gia hỗ trợ các cơ "
         "sở công nghiệp nông thôn đổi mới máy móc và phát triển sản phẩm tiêu biểu năm 2024 tỉnh "
         "doanh nghiệp làng nghề thị trường xuất khẩu sản xuất sạch hơn tiết kiệm năng lượng").split()


@dataclass
class Crawl:
    label: str
    seconds: float
    max_rss_mb: float
    db_bytes: int
    versions: int
    summary: str


def newswatch_command() -> list[str]:
    script = Path(sys.executable).parent / "newswatch"
    return [str(script)] if script.exists() else [sys.executable, "-m", "monitor.cli"]


def crawl(label: str, workdir: Path, sites_toml: str, max_size: int | None) -> Crawl:
    number = len(list(workdir.glob("*.toml"))) + 1
    database = workdir / f"crawl{number}.db"
    limit = f"max_size = {max_size}\n" if max_size else ""
    config = workdir / f"crawl{number}.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{database}"\n\n'
        f"[crawl]\ndownload_delay = 0\nautothrottle = false\ntimeout = 60\nretries = 0\n{limit}\n"
        + sites_toml,
        encoding="utf-8",
    )
    started = time.perf_counter()
    proc = subprocess.Popen([*newswatch_command(), "--config", str(config), "crawl"], cwd=workdir,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    stdout = proc.stdout.read() if proc.stdout else ""
    if os.waitstatus_to_exitcode(status) != 0:
        stderr = proc.stderr.read() if proc.stderr else ""
        raise SystemExit(f"{label}: newswatch crawl failed:\n{stdout}\n{stderr}")
    with sqlite3.connect(database) as connection:
        versions = connection.execute("SELECT count(*) FROM versions").fetchone()[0]
    size = sum(p.stat().st_size for p in workdir.glob(f"{database.name}*") if p.suffix != ".lock")
    return Crawl(label, seconds, usage.ru_maxrss / 1024, size, versions, stdout.splitlines()[0])


# ---- the server process -----------------------------------------------------------------------


def text_paragraphs(total_bytes: int) -> list[str]:
    """About `total_bytes` (UTF-8) of article text: words drawn at random, compressing like prose."""
    rng = random.Random(7)
    out: list[str] = []
    size = 0
    while size < total_bytes:
        text = " ".join(rng.choices(WORDS, k=120)).capitalize() + "."
        out.append(text)
        size += len(text.encode()) + 8  # and its <p></p>
    return out


def inline_data(total_bytes: int) -> str:
    """About `total_bytes` of what bloats real pages: base64 images and an inline state script."""
    rng = random.Random(8)
    image = base64.b64encode(rng.randbytes(total_bytes // 4)).decode()
    state = json.dumps({"items": [{"id": i, "title": rng.choice(WORDS) * 20} for i in
                                  range(total_bytes // 200)]}, ensure_ascii=False)
    return (f'<img src="data:image/png;base64,{image}" alt="">'
            f'<img src="data:image/png;base64,{image[::-1]}" alt="">'
            f"<script>window.__STATE__ = {state};</script>")


def serve(megabytes: float) -> None:
    """Three replicas (ordinary, 20 MB of text, 20 MB of inline data); their profiles on stdout."""
    sys.path.insert(0, str(ROOT))
    from replica import ReplicaServer, build_site, congthuong_profile_toml
    from replica.routes import respond

    total = int(megabytes * 1_000_000)
    ordinary, text, data = (build_site(6, page_size=10, seed=9) for _ in range(3))
    text.edit_body(text.listing()[0].id, text_paragraphs(total))
    servers = [ReplicaServer(site).start() for site in (ordinary, text, data)]
    # the data site's first article: its inline data sits in the body, where extraction walks
    article = data.listing()[0]
    page = respond(data, "GET", article.url_path, {}, servers[2].base_url).body.decode()
    at = page.index('itemprop="articleBody">') + len('itemprop="articleBody">')
    bloated = page[:at] + inline_data(total) + page[at:]
    data.serve_fixed(article.url_path, 200, [("Content-Type", "text/html; charset=utf-8")], bloated.encode())
    print(json.dumps([congthuong_profile_toml(s.base_url) for s in servers]), flush=True)
    sys.stdin.read()  # until the parent closes the pipe
    for server in servers:
        server.stop()


# ---- the measuring process --------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=20.0, help="size of the big article page")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.mb)
        return 0

    server = subprocess.Popen([sys.executable, __file__, "--serve", "--mb", str(args.mb)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None and server.stdin is not None
    ordinary, text, data = json.loads(server.stdout.readline())
    raised = 64 * 1024 * 1024
    try:
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            results = [
                crawl("baseline (ordinary pages)", workdir, ordinary, None),
                crawl(f"{args.mb:.0f} MB of text, stored", workdir, text, raised),
                crawl(f"{args.mb:.0f} MB of inline data, stored", workdir, data, raised),
                crawl(f"{args.mb:.0f} MB of text, default limit", workdir, text, None),
            ]
    finally:
        server.stdin.close()
        server.wait()
    report(results)
    return 0


def report(results: list[Crawl]) -> None:
    print(f"{'crawl':<32} {'wall':>7} {'peak RSS':>9} {'db size':>8} {'versions':>8}  summary")
    for r in results:
        print(f"{r.label:<32} {r.seconds:6.1f}s {r.max_rss_mb:6.0f} MB {r.db_bytes / 1e6:5.1f} MB "
              f"{r.versions:>8}  {r.summary}")
    base = results[0]
    for r in results[1:]:
        verdict = "met" if r.max_rss_mb < TARGET_RSS_MB else "NOT met"
        extra = r.max_rss_mb - base.max_rss_mb
        print(f"{r.label}: peak RSS {r.max_rss_mb:.0f} MB = baseline + {extra:.0f} MB "
              f"({r.max_rss_mb / base.max_rss_mb:.2f}x); target < {TARGET_RSS_MB} MB: {verdict}; "
              f"database + {(r.db_bytes - base.db_bytes) / 1e6:.1f} MB")


if __name__ == "__main__":
    sys.exit(main())
