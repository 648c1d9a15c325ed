"""URL schemes of the two site families: article paths, listing pagination, image hosts."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Layout:
    """What differs between the two site families in URLs and defaults."""

    name: str
    section_path: str
    section_name: str
    image_host: str
    date_styles: tuple[str, ...]  # drawn with equal weight
    article_pattern: re.Pattern[str]  # group 1: id (congthuong) or slug (portal)

    def article_path(self, slug: str, article_id: int) -> str:
        if self.name == "congthuong":
            return f"/{slug}-{article_id}.html"
        return f"/tin-tuc/{slug}.html"

    def listing_path(self, offset: int, page_size: int) -> str:
        if offset <= 0:
            return self.section_path
        if self.name == "congthuong":
            return f"{self.section_path}?s_cond=&BRSR={offset}"
        return f"{self.section_path}?page={offset // page_size + 1}"

    def next_href(self, offset: int, page_size: int) -> str:
        """The "next page" link as each site writes it (the portal's is a bare query)."""
        if self.name == "congthuong":
            return self.listing_path(offset, page_size)
        return f"?page={offset // page_size + 1}"

    def listing_offset(self, query: dict[str, list[str]], page_size: int) -> int:
        """Offset into the listing that a listing URL's query asks for (junk means the first page)."""
        name = "BRSR" if self.name == "congthuong" else "page"
        raw = (query.get(name) or [""])[0]
        if not raw.isdigit():
            return 0
        return int(raw) if self.name == "congthuong" else max(int(raw) - 1, 0) * page_size


LAYOUTS = {
    "congthuong": Layout(
        name="congthuong", section_path="/khuyen-cong", section_name="Khuyến công",
        image_host="https://cdn-i2.congthuong.vn",
        date_styles=("gmt7", "clock", "time_first", "seconds", "ampm_views"),
        article_pattern=re.compile(r"^/[a-z0-9-]+-(\d+)\.html$"),
    ),
    "portal": Layout(
        name="portal", section_path="/tin-tuc/khuyen-cong", section_name="Khuyến công",
        image_host="https://moit.gov.vn",
        date_styles=("portal", "portal", "portal", "time_first"),
        article_pattern=re.compile(r"^/tin-tuc/([a-z0-9-]+)\.html$"),
    ),
}
