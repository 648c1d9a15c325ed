"""Benchmark a full `newswatch crawl` of a replica site against two plain Scrapy baselines.

Run from the repository root: python bench/bench_crawl.py [--articles 2000] [--db-dir DIR]

Every crawl is a subprocess of its own, timed from the outside (wall time, CPU time, peak RSS
and disk writes of that one process, from os.wait4). The replica is served by
bench/replica_server.py in another process, so its CPU time does not share the crawler's GIL;
on a 2-core machine the two still compete for the cores, which the table shows.

  1. full crawl of a fresh database, every article reached through listing pagination
  2. `scrapy bench` and a minimal Scrapy spider (PlainReplicaSpider, below) over the same replica
  3. re-crawl of the unchanged replica, then the same pair of crawls with ETag/304 on
"""

from __future__ import annotations

import argparse
import math
import os
import re
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import scrapy

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TARGET_RATIO = 0.5
TARGET_RSS_MB = 300
CONCURRENCY = 16


class PlainReplicaSpider(scrapy.Spider):
    """The least a crawler of the replica must do: page through the listing, fetch each article.

    Run by `scrapy runspider bench/bench_crawl.py -a start=URL -a max_pages=N`; yields no items.
    """

    name = "plain_replica"
    custom_settings = {
        "CONCURRENT_REQUESTS": 2 * CONCURRENCY,  # what newswatch's crawler/settings.py derives
        "CONCURRENT_REQUESTS_PER_DOMAIN": CONCURRENCY,
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "ROBOTSTXT_OBEY": False,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "INFO",
    }

    def __init__(self, start: str = "", max_pages: str = "1", **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.start_urls = [start]
        self.max_pages = int(max_pages)

    def parse(self, response: scrapy.http.Response, page: int = 1) -> Iterator[scrapy.Request]:
        for href in response.css("h3.article-title a::attr(href)").getall():
            yield response.follow(href, self.parse_article)
        next_page = response.css("a.next-page::attr(href)").get()
        if next_page and page < self.max_pages:
            yield response.follow(next_page, self.parse, cb_kwargs={"page": page + 1})

    def parse_article(self, response: scrapy.http.Response) -> Iterator[object]:
        self.crawler.stats.inc_value("plain/articles")
        return iter(())


# ---- measuring one subprocess ---------------------------------------------------------------------


@dataclass
class Measured:
    seconds: float
    cpu_seconds: float
    max_rss_mb: float
    written_bytes: int  # block writes reported by the kernel (0 on tmpfs)
    returncode: int
    stdout: str
    stderr: str


def run_measured(cmd: list[str], *, cwd: Path, timeout: float = 1800) -> Measured:
    """Run `cmd` to completion; wall time, and rusage of that child alone (os.wait4, not
    RUSAGE_CHILDREN, which would mix in the replica server and every earlier child)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err)
        killer = threading.Timer(timeout, proc.kill)
        killer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Measured(
            seconds=seconds,
            cpu_seconds=usage.ru_utime + usage.ru_stime,
            max_rss_mb=usage.ru_maxrss / 1024,  # KiB on Linux
            written_bytes=usage.ru_oublock * 512,
            returncode=proc.returncode,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
        )


def process_cpu_seconds(pid: int) -> float | None:
    """utime + stime of a running process (Linux /proc), None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# ---- the replica server -----------------------------------------------------------------------


@dataclass
class Replica:
    proc: subprocess.Popen[str]
    section_url: str

    @property
    def base_url(self) -> str:
        parts = urlsplit(self.section_url)
        return f"{parts.scheme}://{parts.netloc}"

    def cpu_seconds(self) -> float | None:
        return process_cpu_seconds(self.proc.pid)


@contextmanager
def replica(articles: int, page_size: int, *, conditional: bool) -> Iterator[Replica]:
    cmd = [sys.executable, str(ROOT / "bench" / "replica_server.py"), "--articles", str(articles),
           "--page-size", str(page_size), "--theme", "congthuong"]
    if conditional:
        cmd.append("--conditional")
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True)
    try:
        line = proc.stdout.readline().strip() if proc.stdout else ""
        if not line.startswith("http"):
            raise SystemExit(f"replica server did not start: {line!r}")
        yield Replica(proc, line)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout:
            proc.stdout.close()


# ---- newswatch --------------------------------------------------------------------------------


def newswatch_command() -> list[str]:
    script = BIN / "newswatch"
    return [str(script)] if script.exists() else [sys.executable, "-m", "monitor.cli"]


def write_config(path: Path, database: Path, base_url: str, max_pages: int) -> Path:
    from replica import congthuong_profile_toml

    sites = congthuong_profile_toml(base_url, max_pages=max_pages, related_depth=1)
    path.write_text(
        f'[database]\nurl = "sqlite:///{database}"\n\n'
        "# politeness off: the replica is on loopback\n"
        f"[crawl]\ndownload_delay = 0\nautothrottle = false\nconcurrency = {CONCURRENCY}\n"
        "timeout = 30\nretries = 1\n\n" + sites,
        encoding="utf-8",
    )
    return path


@dataclass
class DbState:
    bytes: int
    versions: int
    blobs: int
    events: int
    pages: int


def db_state(database: Path) -> DbState:
    # sizes first: opening the database creates -wal/-shm and closing it checkpoints
    size = sum(p.stat().st_size for p in (database, Path(f"{database}-wal")) if p.exists())
    with sqlite3.connect(database) as conn:
        counts = [conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
                  for table in ("versions", "blobs", "events", "pages")]
    conn.close()
    return DbState(size, *counts)


@dataclass
class CrawlResult:
    label: str
    run: Measured
    pages: int
    new_versions: int
    failures: int
    requests: int
    before: DbState | None
    after: DbState
    server_cpu: float | None

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.run.seconds

    @property
    def stored_per_s(self) -> float:
        return self.new_versions / self.run.seconds


SUMMARY = re.compile(r"(\d+) pages fetched, (\d+) new versions, (\d+) failures, (\d+) requests")


def newswatch_crawl(label: str, config: Path, database: Path, server: Replica) -> CrawlResult:
    before = db_state(database) if database.exists() else None
    server_cpu = server.cpu_seconds()
    run = run_measured([*newswatch_command(), "--config", str(config), "crawl"], cwd=ROOT)
    server_after = server.cpu_seconds()
    match = SUMMARY.search(run.stdout)
    if run.returncode != 0 or match is None:
        raise SystemExit(f"newswatch crawl failed ({run.returncode}):\n{run.stdout}\n{run.stderr}")
    pages, new_versions, failures, requests = map(int, match.groups())
    return CrawlResult(
        label, run, pages, new_versions, failures, requests, before, db_state(database),
        None if server_cpu is None or server_after is None else server_after - server_cpu,
    )


# ---- baselines ----------------------------------------------------------------------------------


@dataclass
class Baseline:
    label: str
    run: Measured
    pages: int
    pages_per_s: float
    requests: int
    server_cpu: float | None = None
    notes: list[str] = field(default_factory=list)


CRAWLED = re.compile(r"Crawled (\d+) pages \(at (\d+) pages/min\)")


def stat(stderr: str, name: str) -> float:
    match = re.search(rf"'{re.escape(name)}': ([\d.]+)", stderr)
    return float(match.group(1)) if match else 0.0


def scrapy_bench(workdir: Path, seconds: int) -> Baseline:
    """`scrapy bench`: its own server process, link-following spider, nothing parsed or stored."""
    run = run_measured([str(BIN / "scrapy"), "bench", "-s", f"CLOSESPIDER_TIMEOUT={seconds}",
                        "-s", "LOG_LEVEL=INFO"], cwd=workdir)
    lines = [(int(n), int(rate)) for n, rate in CRAWLED.findall(run.stderr)]
    if run.returncode != 0 or len(lines) < 2:
        raise SystemExit(f"scrapy bench failed ({run.returncode}):\n{run.stderr[-3000:]}")
    # one log line a second; the first ("Crawled 0 pages") is before any download
    per_minute = [rate for _, rate in lines[1:]]
    pages_per_s = statistics.mean(per_minute) / 60
    return Baseline("scrapy bench", run, lines[-1][0], pages_per_s,
                    int(stat(run.stderr, "downloader/request_count")),
                    notes=[f"logstats rates: {min(per_minute) / 60:.0f}-{max(per_minute) / 60:.0f} "
                           f"pages/s over {len(per_minute)} s"])


def plain_spider(workdir: Path, server: Replica, max_pages: int) -> Baseline:
    server_cpu = server.cpu_seconds()
    run = run_measured([str(BIN / "scrapy"), "runspider", str(Path(__file__).resolve()),
                        "-a", f"start={server.section_url}", "-a", f"max_pages={max_pages}"],
                       cwd=workdir)
    server_after = server.cpu_seconds()
    if run.returncode != 0:
        raise SystemExit(f"plain spider failed ({run.returncode}):\n{run.stderr[-3000:]}")
    articles = int(stat(run.stderr, "plain/articles"))
    return Baseline(
        "plain Scrapy spider", run, articles, articles / run.seconds,
        int(stat(run.stderr, "downloader/request_count")),
        None if server_cpu is None or server_after is None else server_after - server_cpu,
    )


# ---- report -------------------------------------------------------------------------------------


def mb(n: float) -> str:
    return f"{n / 1e6:.1f} MB"


def cpu(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f} s"


def print_table(rows: list[list[str]], header: list[str]) -> None:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join("-" * w for w in widths)
    print(line)
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print(line)
    for row in rows:
        print("  ".join(c.rjust(w) if i else c.ljust(w)
                        for i, (c, w) in enumerate(zip(row, widths, strict=True))))
    print(line)


def growth(result: CrawlResult) -> str:
    if result.before is None:
        return f"{result.after.versions} versions / {result.after.blobs} blobs"
    b, a = result.before, result.after
    return (f"versions {b.versions}->{a.versions}, blobs {b.blobs}->{a.blobs}, "
            f"events {b.events}->{a.events}")


def report(args: argparse.Namespace, crawls: list[CrawlResult], bench: Baseline,
           plain: Baseline) -> int:
    full = crawls[0]
    print()
    print(f"newswatch crawl benchmark: {args.articles} articles, page_size {args.page_size}, "
          f"max_pages {args.max_pages}, related_depth 1, concurrency {CONCURRENCY}, "
          f"{os.cpu_count()} CPUs, database in {args.db_dir or tempfile.gettempdir()}")
    print(f"load average (1 min) before / after: {args.load_before:.1f} / {os.getloadavg()[0]:.1f}"
          " (other work on the machine skews every figure)")
    rows = []
    for r in crawls:
        delta = r.after.bytes - (r.before.bytes if r.before else 0)
        rows.append([r.label, f"{r.run.seconds:.1f} s", str(r.requests), str(r.pages),
                     f"{r.pages_per_s:.1f}", str(r.new_versions), f"{r.run.max_rss_mb:.0f} MB",
                     cpu(r.run.cpu_seconds), cpu(r.server_cpu), f"{delta / 1e6:+.1f} MB",
                     mb(r.run.written_bytes)])
    for b in (bench, plain):
        rows.append([b.label, f"{b.run.seconds:.1f} s", str(b.requests), str(b.pages),
                     f"{b.pages_per_s:.1f}", "-", f"{b.run.max_rss_mb:.0f} MB",
                     cpu(b.run.cpu_seconds), cpu(b.server_cpu), "-", "-"])
    print_table(rows, ["run", "wall", "requests", "pages", "pages/s", "new versions", "peak RSS",
                       "crawler CPU", "server CPU", "db size", "disk writes"])
    print("pages/s: pages fetched (200 or 304) / wall time of the whole process, start-up included;")
    print("  scrapy bench: mean of its per-second logstats rates (start-up excluded).")
    for note in bench.notes:
        print(f"  scrapy bench {note}")
    print()
    for r in crawls:
        print(f"{r.label}: {growth(r)}; database {mb(r.after.bytes)}")
    print()
    ratio_bench = full.stored_per_s / bench.pages_per_s
    ratio_plain = full.stored_per_s / plain.pages_per_s
    ok_ratio, ok_rss = ratio_bench >= TARGET_RATIO, full.run.max_rss_mb < TARGET_RSS_MB
    print(f"full crawl: {full.new_versions} articles stored in {full.run.seconds:.1f} s = "
          f"{full.stored_per_s:.1f} articles/s")
    print(f"ratio newswatch / scrapy bench        = {ratio_bench:.2f}  "
          f"(target >= {TARGET_RATIO}: {'met' if ok_ratio else 'NOT met'})")
    print(f"ratio newswatch / plain Scrapy spider = {ratio_plain:.2f}  (same replica, same concurrency)")
    print(f"peak RSS of the full crawl            = {full.run.max_rss_mb:.0f} MB  "
          f"(target < {TARGET_RSS_MB} MB: {'met' if ok_rss else 'NOT met'})")
    if full.new_versions != args.articles:
        print(f"WARNING: the full crawl stored {full.new_versions} of {args.articles} articles")
        return 1
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--page-size", type=int, default=50)
    parser.add_argument("--max-pages", type=int, default=0,
                        help="listing pages to follow; 0: as many as the articles need")
    parser.add_argument("--bench-seconds", type=int, default=10,
                        help="CLOSESPIDER_TIMEOUT for scrapy bench")
    parser.add_argument("--db-dir", default=None,
                        help="where the databases go (default: the system temp dir); "
                             "/dev/shm shows the crawl without fsync cost")
    parser.add_argument("--skip-conditional", action="store_true",
                        help="skip the ETag/304 crawl pair")
    args = parser.parse_args(argv)
    args.max_pages = args.max_pages or math.ceil(args.articles / args.page_size)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.load_before = os.getloadavg()[0]
    sys.path.insert(0, str(ROOT))
    crawls: list[CrawlResult] = []
    with tempfile.TemporaryDirectory(prefix="bench_crawl_", dir=args.db_dir) as tmp:
        work = Path(tmp)
        print(f"scrapy bench ({args.bench_seconds} s) ...", flush=True)
        bench = scrapy_bench(work, args.bench_seconds)
        with replica(args.articles, args.page_size, conditional=False) as server:
            database = work / "plain.db"
            config = write_config(work / "plain.toml", database, server.base_url, args.max_pages)
            print(f"replica at {server.section_url}; full crawl ...", flush=True)
            crawls.append(newswatch_crawl("newswatch full crawl", config, database, server))
            print("re-crawl ...", flush=True)
            crawls.append(newswatch_crawl("newswatch re-crawl", config, database, server))
            print("plain Scrapy spider ...", flush=True)
            plain = plain_spider(work, server, args.max_pages)
        if not args.skip_conditional:
            with replica(args.articles, args.page_size, conditional=True) as server:
                database = work / "conditional.db"
                config = write_config(work / "conditional.toml", database, server.base_url,
                                      args.max_pages)
                print("ETag/304 replica: full crawl ...", flush=True)
                crawls.append(newswatch_crawl("full crawl, ETag on", config, database, server))
                print("ETag/304 replica: re-crawl ...", flush=True)
                crawls.append(newswatch_crawl("re-crawl, ETag on (304)", config, database, server))
    return report(args, crawls, bench, plain)


if __name__ == "__main__":
    raise SystemExit(main())
