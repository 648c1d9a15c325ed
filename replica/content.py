"""Vietnamese text for the replica: the real seed article, real headlines, and templates (text.json)."""

from __future__ import annotations

import json
import random
import re
import unicodedata
from dataclasses import dataclass, field
from importlib import resources

_TEXT = json.loads(resources.files("replica").joinpath("text.json").read_text(encoding="utf-8"))

# The seed article as published on congthuong.vn (article 263055), in page order.
SEED_ID: int = _TEXT["seed"]["id"]
SEED_TITLE: str = _TEXT["seed"]["title"]
SEED_LEAD: str = _TEXT["seed"]["lead"]
SEED_AUTHOR: str = _TEXT["seed"]["author"]
SEED_PARAGRAPHS: tuple[str, ...] = tuple(_TEXT["seed"]["paragraphs"])
SEED_CAPTIONS: tuple[str, ...] = tuple(_TEXT["seed"]["captions"])
# "Tin cùng chuyên mục" of the seed page, newest first.
SEED_HEADLINES: tuple[str, ...] = tuple(_TEXT["seed_headlines"])

PROVINCES: tuple[str, ...] = tuple(_TEXT["provinces"])
REGIONS: tuple[str, ...] = tuple(_TEXT["regions"])
CRAFTS: tuple[str, ...] = tuple(_TEXT["crafts"])
AUTHORS: tuple[str, ...] = tuple(_TEXT["authors"])
MEN: tuple[str, ...] = tuple(_TEXT["men"])
WOMEN: tuple[str, ...] = tuple(_TEXT["women"])
ROMAN: tuple[str, ...] = tuple(_TEXT["roman"])
TITLE_TEMPLATES: tuple[str, ...] = tuple(_TEXT["title_templates"])
LEAD_TEMPLATES: tuple[str, ...] = tuple(_TEXT["lead_templates"])
SENTENCE_TEMPLATES: tuple[str, ...] = tuple(_TEXT["sentence_templates"])
CAPTION_TEMPLATES: tuple[str, ...] = tuple(_TEXT["caption_templates"])


@dataclass
class Story:
    """Generated text of one article, before the site gives it an id, a URL and a date."""

    title: str
    lead: str
    paragraphs: list[str]
    captions: list[str]
    author: str
    tags: list[str] = field(default_factory=list)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def slugify(text: str) -> str:
    """Vietnamese headline to URL slug, as the CMSs do: no diacritics, đ as d, words joined by '-'."""
    text = nfc(text).replace("đ", "d").replace("Đ", "D")
    bare = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", bare.lower()).strip("-")


_DRAWS = {
    "R": lambda rng: rng.choice(REGIONS), "r": lambda rng: rng.choice(ROMAN),
    "y": lambda rng: rng.randint(2019, 2025), "n": lambda rng: rng.randint(3, 11),
    "m": lambda rng: rng.randint(2, 40), "k": lambda rng: rng.randint(5, 90),
    "x": lambda rng: f"{rng.randint(1, 30)},{rng.randint(10, 99)}",
    "pct": lambda rng: rng.randint(10, 60), "man": lambda rng: rng.choice(MEN),
    "woman": lambda rng: rng.choice(WOMEN),
}


class _Slots(dict[str, object]):
    """Template values drawn only when a template asks for them (keeps 2,000-article builds fast)."""

    def __init__(self, rng: random.Random, province: str, craft: str) -> None:
        super().__init__(P=province, C=craft)
        self._rng = rng

    def __missing__(self, key: str) -> object:
        self[key] = value = _DRAWS[key](self._rng)
        return value


def fill(rng: random.Random, template: str, province: str, craft: str) -> str:
    return template.format_map(_Slots(rng, province, craft))


def province_of(title: str) -> str | None:
    """The province a headline is about, when it starts with one ("Kiên Giang: ...")."""
    head = title.split(":", 1)[0].strip()
    return head if head in PROVINCES else None


def sentence(rng: random.Random, province: str, craft: str) -> str:
    return fill(rng, rng.choice(SENTENCE_TEMPLATES), province, craft)


def paragraph(rng: random.Random, province: str, craft: str) -> str:
    """Two or three templated sentences, or now and then a real paragraph of the seed article."""
    if rng.random() < 0.2:
        return rng.choice(SEED_PARAGRAPHS)
    return " ".join(sentence(rng, province, craft) for _ in range(rng.randint(2, 3)))


def generate_story(rng: random.Random, title: str | None = None) -> Story:
    """A khuyến công news story; when `title` is given (a real headline) the text follows its province."""
    province = (title and province_of(title)) or rng.choice(PROVINCES)
    craft = rng.choice(CRAFTS)
    if title is None:
        title = fill(rng, rng.choice(TITLE_TEMPLATES), province, craft)
    return Story(
        title=title,
        lead=fill(rng, rng.choice(LEAD_TEMPLATES), province, craft),
        paragraphs=[paragraph(rng, province, craft) for _ in range(rng.randint(3, 8))],
        captions=[fill(rng, rng.choice(CAPTION_TEMPLATES), province, craft)
                  for _ in range(rng.choice((0, 1, 1, 2, 2, 3)))],
        author=rng.choice(AUTHORS),
        tags=["Khuyến công", province, craft],
    )


def seed_story() -> Story:
    return Story(
        title=SEED_TITLE, lead=SEED_LEAD, paragraphs=list(SEED_PARAGRAPHS),
        captions=list(SEED_CAPTIONS), author=SEED_AUTHOR,
        tags=["Khuyến công", "Sản xuất và tiêu dùng bền vững", "Kinh tế tuần hoàn"],
    )
