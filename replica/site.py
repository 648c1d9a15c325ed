"""The replica's state: articles, fake clock, faults and request log, and the mutations tests apply."""

from __future__ import annotations

import heapq
import random
import re
import threading
import time
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from replica import content
from replica.dates import DATE_STYLES, VN_TZ, header_clock
from replica.layout import LAYOUTS

START_CLOCK = datetime(2024, 11, 25, 5, 5, tzinfo=VN_TZ)
# congthuong.vn's markup generations, as ../shared/site/README.md records them (newest first)
CONGTHUONG_MARKUPS = ("2026", "2025", "mastercms")
REMOVAL_MODES = ("404", "410", "redirect")
# what a retitled article's old URL answers on a site without ids: 301 to the new one, or 404
OLD_URL_MODES = ("301", "404")
LOGGED_HEADERS = ("User-Agent", "If-None-Match", "If-Modified-Since", "Referer", "Accept-Encoding")


@dataclass
class ReplicaArticle:
    """One article as the site holds it; all text NFC (`nfd` only changes how it is served)."""

    id: int
    slug: str
    title: str
    lead: str
    paragraphs: list[str]
    published: datetime
    images: list[tuple[str, str]] = field(default_factory=list)  # (path on the image host, caption)
    author: str = ""
    category: str = "Khuyến công"
    modified: datetime | None = None
    date_style: str = "gmt7"
    with_metadata: bool = True
    nfd: bool = False
    theme: str = "congthuong"
    tags: list[str] = field(default_factory=list)
    canonical_path: str = ""  # a <link rel="canonical"> naming another path (portal: none by default)
    # the site holding it: lets expected(article) find the related block
    _site: weakref.ref[ReplicaSite] | None = field(default=None, repr=False, compare=False)

    @property
    def url_path(self) -> str:
        return LAYOUTS[self.theme].article_path(self.slug, self.id)

    def image_url(self, path: str) -> str:
        return LAYOUTS[self.theme].image_host + path

    def body_blocks(self) -> list[tuple[str, ...]]:
        """Body in page order: ("p", text) and ("image", url, caption); image j follows paragraph 1+3j."""
        slots: dict[int, list[tuple[str, str]]] = {}
        last = max(len(self.paragraphs) - 1, 0)
        for j, image in enumerate(self.images):
            slots.setdefault(min(1 + 3 * j, last), []).append(image)
        blocks: list[tuple[str, ...]] = []
        for i, text in enumerate(self.paragraphs):
            blocks.append(("p", text))
            blocks.extend(("image", self.image_url(path), caption) for path, caption in slots.get(i, []))
        if not self.paragraphs:
            blocks.extend(("image", self.image_url(p), c) for p, c in self.images)
        return blocks


class Hold(NamedTuple):
    reached: threading.Event
    release: threading.Event


class LoggedRequest(NamedTuple):
    method: str
    path: str  # with query string
    headers: dict[str, str]  # only LOGGED_HEADERS that were sent


class FixedReply(NamedTuple):
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    content_length: bool


@dataclass
class Fault:
    status: int
    remaining: int | None  # None: for ever
    retry_after: str | None = None  # the Retry-After header sent with it


# A theme change of the kind news sites go through: every class of the article page renamed, ids
# kept. The profile's selectors stop matching; newswatch reads the page by its fallbacks.
REDESIGN = {
    "article-detail-title": "detail__title",
    "article-detail-desc": "detail__summary",
    "article-date": "detail__time",
    "article-meta": "detail__meta",
    "article-views": "detail__views",
    "print-article": "detail__print",
    "article-detail-author": "detail__byline",
    "related-news": "box-related",
    "related-title": "box-related__link",
    "breadcrumb": "detail__crumbs",
    "bx-cat-title": "box-title",
    "hot-news": "most-read",  # its dates now look like the article's to the old date selector
    "ads": "box-qc",
}

_FIELD_NAMES = frozenset(f.name for f in fields(ReplicaArticle) if not f.name.startswith("_"))


class ReplicaSite:
    """A mutable news site; every public method is safe to call while the server thread reads it."""

    def __init__(self, theme: str = "congthuong", *, seed: int = 1, page_size: int = 20,
                 related_count: int = 5, now: datetime = START_CLOCK, markup: str = "2026") -> None:
        if theme not in LAYOUTS:
            raise ValueError(f"unknown theme {theme!r}; expected one of {sorted(LAYOUTS)}")
        if markup not in CONGTHUONG_MARKUPS:
            raise ValueError(f"unknown markup {markup!r}; expected one of {CONGTHUONG_MARKUPS}")
        self.theme = theme
        self.markup = markup  # which generation of the congthuong markup the pages use
        self.renamed: dict[str, str] = {}  # class names of article pages renamed: see redesign()
        self.layout = LAYOUTS[theme]
        self.seed = seed
        self.page_size = page_size
        self.related_count = related_count
        self.hot_count = 4
        self.now = now  # the fake clock shown in every page header
        self.conditional = False
        self.generation = 0  # bumped by touch_volatile; 0 means canonical markup
        self.articles: dict[int, ReplicaArticle] = {}
        self.removed: dict[int, tuple[ReplicaArticle, str]] = {}
        self.views: dict[int, int] = {}
        self.request_log: list[LoggedRequest] = []
        # (time.monotonic() on arrival, method, target): when each request reached the server
        self.timeline: list[tuple[float, str, str]] = []
        self.forms: list[dict[str, str]] = []  # the form of each POST to the JSON API
        self.latency = 0.0  # seconds each answer takes: a slow server
        self.in_flight = 0
        self.max_in_flight = 0
        self.lock = threading.RLock()
        self.holds: dict[str, Hold] = {}
        self._rng = random.Random(seed)
        self._faults: dict[tuple[str, Any], Fault] = {}
        self._truncations: dict[int, int] = {}
        self._slugs: dict[str, int] = {}  # portal identity, removed articles included
        self._old_slugs: dict[str, tuple[int, str]] = {}  # retitled: old slug → (id, OLD_URL_MODES)
        # hostile input: links no parser takes, and fixed answers that replace a path's page
        self.stray_links: dict[str, list[tuple[str, str]]] = {"listing": [], "related": []}
        self.fixed: dict[str, FixedReply] = {}

    # --- queries -------------------------------------------------------------------------------

    @property
    def section_path(self) -> str:
        return self.layout.section_path

    @property
    def clock(self) -> str:
        """Header clock string, e.g. "Thứ hai 25/11/2024 05:05"."""
        return header_clock(self.now)

    def article(self, article_id: int) -> ReplicaArticle:
        with self.lock:
            return self._live(article_id)

    def listing(self) -> list[ReplicaArticle]:
        """Live articles, newest first."""
        with self.lock:
            return sorted(self.articles.values(), key=lambda a: (a.published, a.id), reverse=True)

    def listing_page(self, page: int) -> list[ReplicaArticle]:
        """Articles on listing page `page` (1-based)."""
        start = (page - 1) * self.page_size
        return self.listing()[start:start + self.page_size]

    def listing_url(self, page: int) -> str:
        """Path of listing page `page` (1-based), as the pagination links spell it."""
        return self.layout.listing_path((page - 1) * self.page_size, self.page_size)

    def related(self, article: ReplicaArticle) -> list[ReplicaArticle]:
        """The "Tin cùng chuyên mục" block: newest other articles of the section, newest first."""
        with self.lock:
            newest = heapq.nlargest(self.related_count + 1, self.articles.values(),
                                    key=lambda a: (a.published, a.id))
            return [a for a in newest if a.id != article.id][:self.related_count]

    def hot(self, article: ReplicaArticle | None) -> list[ReplicaArticle]:
        """The "most read" sidebar: other articles with the most views."""
        with self.lock:
            others = [a for a in self.articles.values() if article is None or a.id != article.id]
            others.sort(key=lambda a: (self.views.get(a.id, 0), a.id), reverse=True)
            return others[:self.hot_count]

    def find(self, key: str) -> tuple[ReplicaArticle | None, str | None]:
        """Article named by a URL key (id digits on congthuong, slug on portal), and its removal mode."""
        with self.lock:
            if self.theme == "portal" and key in self._old_slugs:
                old_id, mode = self._old_slugs[key]
                return self.articles.get(old_id), mode
            article_id = int(key) if self.theme == "congthuong" else self._slugs.get(key)
            if article_id is None:
                return None, None
            if article_id in self.articles:
                return self.articles[article_id], None
            if article_id in self.removed:
                return self.removed[article_id]
            return None, None

    def hits(self, path: str, method: str = "GET") -> int:
        """How many `method` requests reached `path` (query string ignored unless `path` has one)."""
        with self.lock:
            return sum(1 for r in self.request_log
                       if r.method == method and (r.path == path or r.path.split("?")[0] == path))

    # --- mutations -----------------------------------------------------------------------------

    def add_article(self, **overrides: Any) -> ReplicaArticle:
        """Publish a generated article, newest of the section unless `published` is given."""
        unknown = set(overrides) - _FIELD_NAMES
        if unknown:
            raise TypeError(f"unknown ReplicaArticle fields: {sorted(unknown)}")
        with self.lock:
            article_id = overrides.pop("id", None) or self._next_id()
            if article_id in self.articles or article_id in self.removed:
                raise ValueError(f"article id {article_id} already exists")
            published = overrides.pop("published", None)
            if published is None:
                published = self._next_published()
            elif published.tzinfo is None:
                published = published.replace(tzinfo=VN_TZ)
            story = content.generate_story(self._rng, overrides.get("title"))
            article = self._make(story, article_id, published, **overrides)
            self._insert(article)
            return article

    def edit_body(self, article_id: int, new_paragraphs: list[str] | None = None) -> ReplicaArticle:
        """Replace the body, or by default one sentence of one paragraph."""
        with self.lock:
            article = self._live(article_id)
            if new_paragraphs is None:
                new_paragraphs = self._with_changed_sentence(article)
            article.paragraphs = [content.nfc(p) for p in new_paragraphs]
            article.modified = self._tick()
            return article

    def edit_title(self, article_id: int, title: str) -> ReplicaArticle:
        """New headline; on congthuong the slug follows it (the id stays), on the portal it stays."""
        with self.lock:
            article = self._live(article_id)
            article.title = content.nfc(title)
            if self.theme == "congthuong":
                article.slug = content.slugify(title)
            article.modified = self._tick()
            return article

    def retitle(self, article_id: int, title: str, *, old_url: str = "301",
                canonical_old: bool = False) -> ReplicaArticle:
        """A new headline and, on the portal (no ids in its URLs), a new slug: the old URL then
        answers 301 to the new one, or 404 (`old_url`); with `canonical_old` the page at the new
        URL still declares the old one canonical. Body and everything else stay."""
        if old_url not in OLD_URL_MODES:
            raise ValueError(f"old_url must be one of {OLD_URL_MODES}, not {old_url!r}")
        if self.theme != "portal":
            raise ValueError("retitle() moves an article on a site without ids: the portal theme")
        with self.lock:
            article = self._live(article_id)
            old_slug, old_path = article.slug, article.url_path
            article.title = content.nfc(title)
            article.slug = self._unique_slug(content.slugify(title))
            article.modified = self._tick()
            del self._slugs[old_slug]
            self._slugs[article.slug] = article.id
            self._old_slugs.pop(article.slug, None)
            self._old_slugs[old_slug] = (article.id, old_url)
            if canonical_old:
                article.canonical_path = old_path
            return article

    def edit_lead(self, article_id: int, lead: str) -> ReplicaArticle:
        with self.lock:
            article = self._live(article_id)
            article.lead = content.nfc(lead)
            article.modified = self._tick()
            return article

    def redesign(self, renamed: Mapping[str, str] | None = None) -> None:
        """A new theme: the article pages' class names renamed (REDESIGN unless given; ids and
        text kept). `redesign({})` restores the old markup."""
        with self.lock:
            self.renamed = dict(REDESIGN if renamed is None else renamed)

    def touch_volatile(self, minutes: int = 30) -> None:
        """Change everything a fetch may differ by without an edit: clock, views, markup, NFC/NFD, links."""
        with self.lock:
            self.generation += 1
            self.now += timedelta(minutes=minutes)
            for article_id, article in sorted(self.articles.items()):
                self.views[article_id] = self.views.get(article_id, 0) + self._rng.randint(1, 80)
                if self._rng.random() < 0.2:
                    article.nfd = not article.nfd

    def advance_clock(self, minutes: int) -> None:
        with self.lock:
            self.now += timedelta(minutes=minutes)

    def remove(self, article_id: int, mode: str = "404") -> None:
        """Take an article down: 404, 410 Gone, or a 302 redirect to the section front."""
        if mode not in REMOVAL_MODES:
            raise ValueError(f"mode must be one of {REMOVAL_MODES}, not {mode!r}")
        with self.lock:
            self.removed[article_id] = (self._live(article_id), mode)
            del self.articles[article_id]

    def restore(self, article_id: int) -> ReplicaArticle:
        with self.lock:
            article, _mode = self.removed.pop(article_id)
            self.articles[article_id] = article
            return article

    def fail(self, path_or_id: str | int, status: int = 500, times: int | None = None,
             retry_after: str | None = None) -> None:
        """Answer `status` for a path (exact, or any query when the path has none) or an article id,
        with a Retry-After header when given."""
        key = ("id", path_or_id) if isinstance(path_or_id, int) else ("path", path_or_id)
        with self.lock:
            self._faults[key] = Fault(status, times, retry_after)

    def clear_faults(self) -> None:
        with self.lock:
            self._faults.clear()
            self._truncations.clear()

    def add_stray_links(self, hrefs: list[str], where: str = "listing") -> None:
        """Links spelled exactly as given among the articles of listing page 1 ("listing") or in
        every related block ("related"), titled like headlines."""
        if where not in self.stray_links:
            raise ValueError(f"where must be one of {sorted(self.stray_links)}, not {where!r}")
        with self.lock:
            self.stray_links[where] += [(href, f"Tin lạ số {i + 1}") for i, href in enumerate(hrefs)]

    def serve_fixed(self, path: str, status: int, headers: list[tuple[str, str]], body: bytes = b"",
                    *, content_length: bool = True) -> None:
        """Answer `path` (with its query; without one, any query) with exactly this. Without
        `content_length` the body ends when the connection closes (HTTP/1.0)."""
        with self.lock:
            self.fixed[_fixed_key(path)] = FixedReply(status, headers, body, content_length)

    def unfix(self, path: str) -> None:
        with self.lock:
            del self.fixed[_fixed_key(path)]

    def hold(self, path: str) -> Hold:
        """Make requests for `path` wait until `Hold.release` is set; `Hold.reached` says one arrived.

        Lets a test stop a crawler at a known point (kill it mid-crawl) without guessing at timing.
        """
        held = Hold(threading.Event(), threading.Event())
        with self.lock:
            self.holds[path] = held
        return held

    def truncate(self, article_id: int, times: int = 1) -> None:
        """Serve the article page cut off inside its body, `times` times."""
        with self.lock:
            self._live(article_id)
            self._truncations[article_id] = times

    # --- used by the request handler ------------------------------------------------------------

    def log(self, method: str, target: str, headers: Any) -> None:
        picked = {name: headers[name] for name in LOGGED_HEADERS if headers.get(name) is not None}
        with self.lock:
            self.request_log.append(LoggedRequest(method, target, picked))
            self.timeline.append((time.monotonic(), method, target))

    def take_fault(self, target: str, article_id: int | None) -> Fault | None:
        """The fault injected for this request, if any; counts the use down."""
        keys = [("path", target), ("path", target.split("?")[0]), ("id", article_id)]
        with self.lock:
            for key in keys:
                fault = self._faults.get(key)
                if fault is None:
                    continue
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        del self._faults[key]
                return fault
            return None

    def fixed_reply(self, target: str) -> FixedReply | None:
        """The fixed answer for this request target: its own, else its path's (any query)."""
        with self.lock:
            return self.fixed.get(_fixed_key(target)) or self.fixed.get(target.split("?")[0])

    def take_truncation(self, article_id: int) -> bool:
        with self.lock:
            left = self._truncations.get(article_id, 0)
            if left <= 0:
                return False
            self._truncations[article_id] = left - 1
            return True

    def count_view(self, article_id: int) -> int:
        with self.lock:
            self.views[article_id] = self.views.get(article_id, 0) + 1
            return self.views[article_id]

    # --- internals -----------------------------------------------------------------------------

    def _live(self, article_id: int) -> ReplicaArticle:
        try:
            return self.articles[article_id]
        except KeyError:
            raise KeyError(f"no live article {article_id} on the replica") from None

    def _tick(self) -> datetime:
        """Time passes by a minute: edits get distinct modification times."""
        self.now += timedelta(minutes=1)
        return self.now

    def _next_id(self) -> int:
        known = list(self.articles) + list(self.removed)
        return (max(known) if known else content.SEED_ID) + self._rng.randint(1, 25)

    def _next_published(self) -> datetime:
        self.now += timedelta(minutes=self._rng.randint(5, 60))
        published = self.now - timedelta(minutes=self._rng.randint(1, 4))
        if self.articles:
            newest = max(a.published for a in self.articles.values())
            published = max(published, newest + timedelta(minutes=1))
        self.now = max(self.now, published + timedelta(minutes=1))
        return published.replace(second=0, microsecond=0)

    def _make(self, story: content.Story, article_id: int, published: datetime,
              history: bool = False, **overrides: Any) -> ReplicaArticle:
        """An article from generated text; `history` lets an older article carry a modified time."""
        rng = self._rng
        style = overrides.get("date_style") or rng.choice(self.layout.date_styles)
        if style == "seconds" and published.second == 0:
            published = published.replace(second=rng.randint(1, 59))
        modified = None
        if history and rng.random() < 0.1:
            modified = min(published + timedelta(hours=rng.randint(1, 30)), self.now)
        images = [(f"/upload/{published:%Y/%m/%d}/khuyen-cong-{article_id}-{j + 1}.jpg", caption)
                  for j, caption in enumerate(story.captions)]
        title = content.nfc(overrides.pop("title", story.title))
        slug = overrides.pop("slug", None) or self._unique_slug(content.slugify(title))
        article = ReplicaArticle(
            id=article_id, slug=slug, title=title, lead=story.lead,
            paragraphs=story.paragraphs, published=published, images=images, author=story.author,
            category=self.layout.section_name, modified=modified, date_style=style,
            with_metadata=rng.random() < 0.5, nfd=rng.random() < 0.15, theme=self.theme,
            tags=story.tags,
        )
        for name, value in overrides.items():
            setattr(article, name, content.nfc(value) if isinstance(value, str) else value)
        if article.date_style not in DATE_STYLES:
            raise ValueError(f"unknown date_style {article.date_style!r}; known: {DATE_STYLES}")
        return article

    def _unique_slug(self, slug: str) -> str:
        """Portal URLs carry no id, so two equal headlines need two slugs; congthuong needs nothing."""
        if self.theme == "congthuong" or slug not in self._slugs:
            return slug
        n = 2
        while f"{slug}-{n}" in self._slugs:
            n += 1
        return f"{slug}-{n}"

    def _insert(self, article: ReplicaArticle) -> None:
        article._site = weakref.ref(self)
        self.articles[article.id] = article
        self.views.setdefault(article.id, self._rng.randint(100, 5000))
        if self.theme == "portal":
            self._slugs[article.slug] = article.id

    def _with_changed_sentence(self, article: ReplicaArticle) -> list[str]:
        paragraphs = list(article.paragraphs) or [""]
        index = self._rng.randrange(len(paragraphs))
        sentences = [s for s in re.split(r"(?<=[.;”])\s+", paragraphs[index]) if s]
        province = article.tags[1] if len(article.tags) > 1 else "Hà Nội"
        craft = article.tags[2] if len(article.tags) > 2 else content.CRAFTS[0]
        which = self._rng.randrange(len(sentences)) if sentences else 0
        old = sentences[which] if sentences else ""
        new = content.sentence(self._rng, province, craft)
        while new == old:
            new = content.sentence(self._rng, province, craft)
        sentences[which:which + 1] = [new]
        paragraphs[index] = " ".join(sentences)
        return paragraphs


def _fixed_key(target: str) -> str:
    """A request target whose query parameters may come in any order (crawlers sort them)."""
    path, _, query = target.partition("?")
    return f"{path}?{'&'.join(sorted(query.split('&')))}" if query else path


def build_site(n_articles: int = 30, *, theme: str = "congthuong", seed: int = 1,
               page_size: int = 20, related_count: int = 5, markup: str = "2026") -> ReplicaSite:
    """A deterministic site: the 20 real headlines newest, the seed article after them, then generated."""
    site = ReplicaSite(theme, seed=seed, page_size=page_size, related_count=related_count, markup=markup)
    rng = site._rng
    seed_index = min(len(content.SEED_HEADLINES), n_articles - 1)
    published = site.now - timedelta(minutes=rng.randint(15, 180))
    article_id = content.SEED_ID + 30 * seed_index + rng.randint(0, 9)
    with site.lock:
        for index in range(n_articles):
            if index == seed_index:
                story = content.seed_story()
                article_id = content.SEED_ID
            elif index < len(content.SEED_HEADLINES):
                story = content.generate_story(rng, content.SEED_HEADLINES[index])
            else:
                story = content.generate_story(rng)
            when = published.replace(second=0, microsecond=0)
            site._insert(site._make(story, article_id, when, history=True))
            published -= timedelta(minutes=rng.randint(45, 1500))
            article_id -= rng.randint(1, 29)
    return site


def expected(article: ReplicaArticle, site: ReplicaSite | None = None) -> dict[str, Any]:
    """What a correct extractor yields for `article` now (NFC text, published to the minute)."""
    if site is None:
        owner = article._site
        site = owner() if owner is not None else None
        if site is None:
            raise ValueError("article belongs to no live ReplicaSite; pass site=")
    with site.lock:
        related = site.related(article)
        blocks = article.body_blocks()
        return {
            "id": article.id,
            "url_path": article.url_path,
            "title": article.title,
            "lead": article.lead,
            "author": article.author,
            "category": article.category,
            "published": article.published.replace(second=0, microsecond=0),
            "paragraphs": list(article.paragraphs),
            "captions": [b[2] for b in blocks if b[0] == "image"],
            "images": [(b[1], b[2]) for b in blocks if b[0] == "image"],
            "related": [a.title for a in related],
            "related_paths": [a.url_path for a in related],
        }
