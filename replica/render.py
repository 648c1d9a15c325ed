"""HTML of the replica's pages, in the markup of congthuong.vn and of the moit.gov.vn portal."""

from __future__ import annotations

import json
import random
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html import escape

from replica.content import slugify
from replica.dates import date_line, iso_colon, iso_no_colon
from replica.layout import Layout
from replica.site import ReplicaArticle

ROBOTS_TXT = "User-agent: *\nDisallow: /admin/\n"
TRACKING_QUERY = "utm_source=home"
_ERROR_MESSAGES = {
    404: "Không tìm thấy trang yêu cầu",
    410: "Bài viết không còn tồn tại",
    500: "Lỗi máy chủ nội bộ",
    502: "Lỗi cổng kết nối",
    503: "Hệ thống đang bảo trì, vui lòng quay lại sau",
}
# Where an article body starts and what follows it, to cut a page "in the middle of the body".
_BODY_MARKERS = (
    ('id="articleBody"', 'class="article-detail-author"'),
    ('class="__MASTERCMS_CONTENT_BODY"', 'class="article-detail-author"'),
    ('class="article-content"', 'class="article-tags"'),
)
_CONGTHUONG_NAV = (("/", "Trang chủ"), ("/khuyen-cong", "Khuyến công"),
                   ("/thi-truong", "Thị trường"), ("/kinh-te", "Kinh tế"))
_PORTAL_NAV = (("/", "Trang chủ"), ("/tin-tuc", "Tin tức"),
               ("/tin-tuc/khuyen-cong", "Khuyến công"), ("/van-ban-phap-luat", "Văn bản"))


class Noise:
    """Presentation that changes between fetches: attribute order, whitespace, tracking parameters.

    Without a key (generation 0) the markup is canonical; with one it varies, reproducibly.
    """

    def __init__(self, key: str | None = None) -> None:
        self._rng = random.Random(key) if key is not None else None

    def tag(self, name: str, *attrs: tuple[str, str]) -> str:
        pairs = list(attrs)
        if self._rng:
            self._rng.shuffle(pairs)
        return f"<{name}" + "".join(f' {k}="{escape(v)}"' for k, v in pairs) + ">"

    def el(self, name: str, inner: str, *attrs: tuple[str, str]) -> str:
        return self.tag(name, *attrs) + inner + f"</{name}>"

    def gap(self) -> str:
        return self._rng.choice(("", "\n", "\n  ", "\n\t\t", " \n    ")) if self._rng else "\n"

    def text(self, text: str) -> str:
        if not self._rng or self._rng.random() < 0.6:
            return escape(text, quote=False)
        pad = self._rng.choice((" ", "\n  ", "\n\t\t", "  "))
        return pad + escape(text, quote=False) + self._rng.choice(("", pad))

    def href(self, path: str) -> str:
        if self._rng and self._rng.random() < 0.3:
            return path + ("&" if "?" in path else "?") + TRACKING_QUERY
        return path


@dataclass(frozen=True)
class Frame:
    """What every page of one response shares."""

    layout: Layout
    clock: str
    noise: Noise
    markup: str = "2026"  # the congthuong generation: "2026", "2025" or "mastercms"
    # a redesign: class names of article pages renamed (old → new), as a site's new theme does
    renamed: Mapping[str, str] = field(default_factory=dict)


def served(article: ReplicaArticle, text: str) -> str:
    """Text as the site sends it for `article`: decomposed when the article is NFD."""
    return unicodedata.normalize("NFD", text) if article.nfd else text


def portal_metadata_time(article: ReplicaArticle) -> datetime:
    """The portal's `article:published_time`: minutes after the visible date, which is the truth."""
    return article.published.replace(second=0) + timedelta(
        minutes=3 + article.id % 37, seconds=article.id * 7 % 60)


def _page(f: Frame, head: Sequence[str], body: Sequence[str]) -> str:
    g = f.noise.gap()
    return ("<!DOCTYPE html>\n" + f.noise.tag("html", ("lang", "vi")) + "<head>"
            + g.join(head) + "</head>" + g + "<body>" + g.join(b for b in body if b)
            + "</body></html>\n")


def _meta(f: Frame, kind: str, name: str, value: str) -> str:
    return f.noise.tag("meta", (kind, name), ("content", value))


def _nav(f: Frame, links: Sequence[tuple[str, str]], *attrs: tuple[str, str]) -> str:
    return f.noise.el("nav", "".join(f.noise.el("a", text, ("href", path)) for path, text in links),
                      *attrs)


def _header(f: Frame) -> str:
    n = f.noise
    if f.layout.name == "congthuong":
        return n.el("header", n.el("div", f.clock, ("class", "header-clock"))
                    + _nav(f, _CONGTHUONG_NAV), ("class", "header"))
    return n.el("header", n.el("div", f.clock, ("class", "current-time"))
                + _nav(f, _PORTAL_NAV, ("class", "main-menu")), ("class", "site-header"))


def _breadcrumb(f: Frame) -> str:
    crumbs = [("/", "Trang chủ")]
    if f.layout.name == "portal":
        crumbs.append(("/tin-tuc", "Tin tức"))
    crumbs.append((f.layout.section_path, f.layout.section_name))
    links = "".join(f.noise.el("a", text, ("href", path)) for path, text in crumbs)
    css = "breadcrumb" if f.layout.name == "congthuong" else "breadcrumbs"
    return f.noise.el("div", links, ("class", css))


def _footer(f: Frame) -> str:
    if f.layout.name == "congthuong":
        return ("<footer><p>Báo Công Thương - Cơ quan ngôn luận của Bộ Công Thương</p>"
                "<p>Tòa soạn: Tầng 7, số 655 Phạm Văn Đồng, Bắc Từ Liêm, Hà Nội</p></footer>")
    return ('<footer class="site-footer"><p>Cổng thông tin điện tử Bộ Công Thương</p>'
            "<p>Địa chỉ: 54 Hai Bà Trưng, Hoàn Kiếm, Hà Nội</p></footer>")


def _body_html(f: Frame, a: ReplicaArticle) -> str:
    n = f.noise
    parts = []
    for block in a.body_blocks():
        if block[0] == "p":
            parts.append(n.el("p", n.text(block[1])))
        elif f.layout.name == "congthuong":
            parts.append(n.el("figure", n.tag("img", ("src", block[1]), ("alt", ""))
                              + n.el("figcaption", n.text(block[2])), ("class", "image")))
        else:
            parts.append(n.el("table", "<tr><td>" + n.tag("img", ("src", block[1]), ("alt", ""))
                              + "</td></tr><tr>" + n.el("td", n.text(block[2]),
                                                        ("class", "image-caption")) + "</tr>",
                              ("class", "image")))
    return n.gap().join(parts)


def _json_ld(a: ReplicaArticle) -> str:
    data = {
        "@context": "https://schema.org", "@type": "NewsArticle", "headline": a.title,
        "datePublished": iso_colon(a.published),
        "author": {"@type": "Person", "name": a.author}, "description": a.lead,
    }
    if a.modified:
        data["dateModified"] = iso_colon(a.modified)
    if a.images:
        data["image"] = [a.image_url(path) for path, _ in a.images]
    payload = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    return f'<script type="application/ld+json">{payload}</script>'


def _congthuong_article(a: ReplicaArticle, f: Frame, views: int, related: Sequence[ReplicaArticle],
                        hot: Sequence[ReplicaArticle], stray: Sequence[tuple[str, str]]) -> str:
    n = f.noise
    head = ['<meta charset="utf-8">', f"<title>{escape(a.title)} | Báo Công Thương</title>",
            _meta(f, "property", "og:title", a.title), _meta(f, "name", "description", a.lead),
            n.tag("link", ("rel", "canonical"), ("href", a.url_path))]
    if a.images:
        head.append(_meta(f, "property", "og:image", a.image_url(a.images[0][0])))
    if a.with_metadata:
        head.append(_meta(f, "property", "article:published_time", iso_colon(a.published)))
        if a.modified:
            head.append(_meta(f, "property", "article:modified_time", iso_colon(a.modified)))
        head.append(_json_ld(a))
    # The date element is what changed most between generations; the body container changed once.
    date_tag, date_class = {"2026": ("span", "article-date"), "2025": ("span", "format_time"),
                            "mastercms": ("div", "bx-time")}[f.markup]
    meta = (n.el(date_tag, date_line(a.date_style, a.published, views), ("class", date_class))
            + n.el("span", f"Lượt xem: {views}", ("class", "article-views"))
            + n.el("a", "In bài viết", ("class", "print-article")))
    body_attrs = ((("class", "__MASTERCMS_CONTENT_BODY"),) if f.markup == "mastercms"
                  else (("id", "articleBody"), ("itemprop", "articleBody")))
    furniture = ('<div id="social-share">Chia sẻ Facebook Zalo</div>'
                 '<div class="ads">Quảng cáo</div>')
    related_items = _interleaved([
        "<li><h3>" + n.el("a", n.text(served(r, r.title)), ("class", "related-title"),
                          ("href", n.href(r.url_path))) + "</h3></li>" for r in related], [
        "<li><h3>" + n.el("a", escape(title), ("class", "related-title"), ("href", href)) + "</h3></li>"
        for href, title in stray])
    hot_items = "".join(
        "<li>" + n.el("a", n.text(served(h, h.title)), ("href", n.href(h.url_path)))
        + f' <span class="format_time">{date_line("time_first", h.published)}</span></li>'
        for h in hot)
    body = [
        _header(f), _breadcrumb(f),
        n.el("h1", n.text(a.title), ("class", "article-detail-title")),
        n.el("div", meta, ("class", "article-meta")),
        n.el("div", n.text(a.lead), ("class", "article-detail-desc")),
        n.el("div", _body_html(f, a) + n.gap() + furniture, *body_attrs),
        n.el("div", n.text(a.author), ("class", "article-detail-author")),
        n.el("div", '<h2 class="bx-cat-title">Tin cùng chuyên mục</h2><ul>' + related_items
             + "</ul>", ("class", "related-news")),
        n.el("div", "<h2>Đọc nhiều</h2><ul>" + hot_items + "</ul>", ("class", "hot-news")),
        _footer(f),
    ]
    return _page(f, head, body)


def _portal_article(a: ReplicaArticle, f: Frame, views: int, related: Sequence[ReplicaArticle],
                    hot: Sequence[ReplicaArticle], stray: Sequence[tuple[str, str]]) -> str:
    n = f.noise
    head = ['<meta charset="utf-8">', f"<title>{escape(a.title)}</title>",
            _meta(f, "name", "DC.Creator", a.author), _meta(f, "property", "og:title", a.title)]
    if a.with_metadata:
        head.append(_meta(f, "property", "article:published_time",
                          iso_no_colon(portal_metadata_time(a))))
    if a.canonical_path:  # the portal declares none, unless a moved article keeps its old one
        head.append(n.tag("link", ("rel", "canonical"), ("href", a.canonical_path)))
    tags = "".join(n.el("a", tag, ("class", "tag-news"), ("href", f"/tag/{slugify(tag)}"))
                   for tag in a.tags)
    core = (n.el("h1", n.text(a.title), ("class", "article-title"))
            + n.el("span", date_line(a.date_style, a.published, views), ("class", "post-date"))
            + n.el("div", n.text(a.lead), ("class", "article-brief"))
            + n.el("div", _body_html(f, a), ("class", "article-content"))
            + n.el("div", tags, ("class", "article-tags")))
    related_items = _interleaved([
        n.el("article", n.el("div", n.el("a", n.text(served(r, r.title)),
                                         ("href", n.href(r.url_path))), ("class", "article-title")),
             ("class", "article-news"))
        for r in related], [
        n.el("article", n.el("div", n.el("a", escape(title), ("href", href)), ("class", "article-title")),
             ("class", "article-news"))
        for href, title in stray])
    body = [
        _header(f), _breadcrumb(f), n.el("div", core, ("class", "block-core-a5")),
        n.el("div", "<h3>Tin liên quan</h3>" + related_items, ("class", "frame-tinlquan")),
        _footer(f),
    ]
    return _page(f, head, body)


def article_page(a: ReplicaArticle, f: Frame, *, views: int, related: Sequence[ReplicaArticle],
                 hot: Sequence[ReplicaArticle], stray: Sequence[tuple[str, str]] = ()) -> str:
    """An article page; `stray` (href, title) links sit in its related block, spelled as given."""
    render = _congthuong_article if f.layout.name == "congthuong" else _portal_article
    return served(a, renamed_classes(render(a, f, views, related, hot, stray), f.renamed))


_CLASS_ATTRIBUTE = re.compile(r'(\sclass=")([^"]*)(")')


def renamed_classes(html: str, renamed: Mapping[str, str]) -> str:
    """`html` with each class name in `renamed` replaced (ids and everything else kept)."""
    if not renamed:
        return html
    return _CLASS_ATTRIBUTE.sub(
        lambda m: m.group(1) + " ".join(renamed.get(c, c) for c in m.group(2).split()) + m.group(3), html)


def _interleaved(entries: list[str], stray: list[str]) -> str:
    """`stray` entries spread among `entries` (one after every few), the rest at the end."""
    out: list[str] = []
    for i, entry in enumerate(entries):
        out.append(entry)
        if stray and i % 3 == 1:
            out.append(stray.pop(0))
    return "".join(out + stray)


def _congthuong_listing(items: Sequence[ReplicaArticle], f: Frame, next_href: str | None,
                        stray: Sequence[tuple[str, str]]) -> str:
    n = f.noise
    old = f.markup == "mastercms"
    cards = _interleaved([
        n.el("div", n.el("h3", n.el("a", n.text(served(a, a.title)), ("href", n.href(a.url_path))),
                         *(() if old else (("class", "article-title"),)))
             + n.el("p", n.text(served(a, a.lead)), ("class", "sapo"))
             + n.el("span", date_line("time_first", a.published), ("class", "format_time")),
             ("class", "article" if old else "article-item"))
        for a in items], [
        n.el("div", n.el("h3", n.el("a", escape(title), ("href", href)), ("class", "article-title")),
             ("class", "article-item"))
        for href, title in stray])
    if old:
        more = n.el("a", "Trang sau", ("href", next_href)) if next_href else ""
        paging = n.el("div", more, ("class", "grNextPage __MB_ARTICLE_PAGING"))
    else:
        more = n.el("a", "Trang sau", ("rel", "next"), ("class", "next-page"),
                    ("href", next_href)) if next_href else ""
        paging = n.el("div", more, ("class", "pagination"))
    head = ['<meta charset="utf-8">', f"<title>{f.layout.section_name} | Báo Công Thương</title>"]
    body = [_header(f), _breadcrumb(f), n.el("div", cards, ("class", "bx-cat-content")), paging, _footer(f)]
    return _page(f, head, body)


def _portal_listing(items: Sequence[ReplicaArticle], f: Frame, next_href: str | None,
                    stray: Sequence[tuple[str, str]]) -> str:
    n = f.noise
    entries = _interleaved([
        "<li>" + n.el("a", n.text(served(a, a.title)), ("class", "news-title"),
                      ("href", n.href(a.url_path))) + "</li>"
        for a in items], [
        "<li>" + n.el("a", escape(title), ("class", "news-title"), ("href", href)) + "</li>"
        for href, title in stray])
    more = n.el("a", "›", ("class", "page-next"), ("href", next_href)) if next_href else ""
    head = ['<meta charset="utf-8">', f"<title>{f.layout.section_name} - Bộ Công Thương</title>"]
    body = [_header(f), _breadcrumb(f), n.el("ul", entries, ("class", "list-news")) + more,
            _footer(f)]
    return _page(f, head, body)


def listing_page(items: Sequence[ReplicaArticle], f: Frame, *, next_href: str | None,
                 stray: Sequence[tuple[str, str]] = ()) -> str:
    """A listing page; `stray` (href, title) links sit among the articles, spelled exactly as given."""
    render = _congthuong_listing if f.layout.name == "congthuong" else _portal_listing
    return render(items, f, next_href, stray)


def error_page(status: int) -> str:
    message = _ERROR_MESSAGES.get(status, f"Lỗi {status}")
    return (f'<!DOCTYPE html>\n<html lang="vi"><head><meta charset="utf-8"><title>{status}</title>'
            f"</head><body><h1>{status}</h1><p>{message}</p></body></html>\n")


def truncation_point(html: str) -> int:
    """A character offset in the middle of the article body (the middle of the page if none)."""
    for start_marker, end_marker in _BODY_MARKERS:
        start = html.find(start_marker)
        end = html.find(end_marker, start + 1)
        if start >= 0 and end >= 0:
            return (start + end) // 2
    return len(html) // 2
