"""A seeded, pure model of the site: articles, readers and donation campaigns.

Everything is drawn from one `random.Random(seed)`, so one seed is one site: the same
articles and reader ids on every run (returning readers look like returning readers),
while the event stream itself is seeded per start time in `generate.py`.
"""

from __future__ import annotations

import bisect
import itertools
import random
import re
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from streams.simulate import words

Language = Literal["en", "ru"]
Device = Literal["desktop", "mobile", "tablet", "other"]

RUSSIAN_SHARE = 0.35
PUBLISH_DAYS = 5.0
ZIPF_S = 1.1
SLUG_MAX = 72
READER_ZIPF_S = 0.7  # a few loyal readers, a long tail of one-off visitors
DEVICE_MIX: tuple[tuple[Device, float], ...] = (
    ("mobile", 0.55),
    ("desktop", 0.35),
    ("tablet", 0.08),
    ("other", 0.02),
)
_UAS_BY_DEVICE: dict[Device, tuple[str, ...]] = {
    "desktop": words.DESKTOP_UAS,
    "mobile": words.MOBILE_UAS,
    "tablet": words.TABLET_UAS,
    "other": words.OTHER_UAS,
}


@dataclass(frozen=True, slots=True)
class Article:
    article_id: str
    url: str
    title: str
    section: str
    authors: tuple[str, ...]
    tags: tuple[str, ...]
    language: Language
    published_at: datetime
    word_count: int | None


@dataclass(frozen=True, slots=True)
class Reader:
    reader_id: str
    language: Language
    country: str | None
    device: Device
    user_agent: str


@dataclass(frozen=True, slots=True)
class Variant:
    """Per-variant funnel rates: the ground truth the conversion views should recover."""

    name: str
    click_rate: float  # shown -> clicked
    dismiss_rate: float  # shown -> dismissed (exclusive with clicked)
    remind_share: float  # share of dismissals that are "remind_later"
    conversion_rate: float  # clicked -> donation.completed


@dataclass(frozen=True, slots=True)
class Campaign:
    campaign_id: str
    variants: tuple[Variant, ...]
    weight_en: float  # how often it is picked on English pages
    weight_ru: float


CAMPAIGNS: tuple[Campaign, ...] = (
    Campaign(
        "year-end-2026",
        (Variant("control", 0.03, 0.30, 0.3, 0.25), Variant("urgent", 0.055, 0.36, 0.2, 0.30)),
        0.6,
        0.3,
    ),
    Campaign(
        "monthly-nudge",
        (Variant("control", 0.02, 0.25, 0.4, 0.20), Variant("social-proof", 0.04, 0.28, 0.3, 0.33)),
        0.4,
        0.2,
    ),
    Campaign(
        "ru-members",
        (Variant("control", 0.035, 0.30, 0.3, 0.28), Variant("matching", 0.045, 0.30, 0.3, 0.35)),
        0.0,
        0.5,
    ),
)


@dataclass(frozen=True)
class World:
    """The site at one moment; sampling methods take the caller's rng and stay pure."""

    seed: int
    now: datetime
    articles: tuple[Article, ...]
    readers: tuple[Reader, ...]
    campaigns: tuple[Campaign, ...]
    _article_cum: dict[Language, tuple[tuple[int, ...], tuple[float, ...]]]
    _reader_cum: tuple[float, ...]

    def pick_article(self, rng: random.Random, language: Language) -> Article:
        """A popularity-weighted article, in the reader's language 85 % of the time."""
        if rng.random() >= 0.85:
            language = "ru" if language == "en" else "en"
        indices, cum = self._article_cum[language]
        if not indices:
            indices, cum = self._article_cum["ru" if language == "en" else "en"]
        pos = bisect.bisect_left(cum, rng.random() * cum[-1])
        return self.articles[indices[min(pos, len(indices) - 1)]]

    def pick_reader(self, rng: random.Random) -> Reader:
        pos = bisect.bisect_left(self._reader_cum, rng.random() * self._reader_cum[-1])
        return self.readers[min(pos, len(self.readers) - 1)]

    def pick_campaign(self, rng: random.Random, language: Language) -> Campaign:
        weights = [c.weight_ru if language == "ru" else c.weight_en for c in self.campaigns]
        return rng.choices(self.campaigns, weights)[0]

    @staticmethod
    def variant_for(campaign: Campaign, reader_id: str) -> Variant:
        """A stable A/B assignment per reader, as a real banner service hashes it."""
        bucket = zlib.crc32(f"{campaign.campaign_id}:{reader_id}".encode())
        return campaign.variants[bucket % len(campaign.variants)]

    def front_url(self, rng: random.Random, language: Language) -> str:
        """A home or section front: pages without an article_id."""
        roll = rng.random()
        if roll < 0.4:
            return words.SITE
        if roll < 0.6:
            return f"{words.SITE}{language}/"
        return f"{words.SITE}{language}/{rng.choice(words.SECTIONS)}/"


def slugify(title: str) -> str:
    """An ASCII URL slug; Cyrillic is transliterated, as Russian editions usually do."""
    latin = "".join(words.TRANSLIT.get(ch, ch) for ch in title.lower())
    slug = re.sub(r"[^a-z0-9]+", "-", latin).strip("-")
    if len(slug) > SLUG_MAX:
        slug = slug[: SLUG_MAX + 1].rsplit("-", 1)[0]
    return slug or "article"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _title(rng: random.Random, language: Language, section: str) -> str:
    """A headline whose kind follows the section: opinion pieces read as opinions."""
    w = words
    ru = language == "ru"
    subject, number = rng.choice(w.RU_SUBJECTS if ru else w.EN_SUBJECTS)
    sentence = f"{subject} {rng.choice(w.RU_PREDICATES if ru else w.EN_PREDICATES)[number]}"
    if section == "opinion":
        return f"{w.RU_OPINION if ru else 'Opinion'}: {_cap(sentence)}"
    if section == "investigations":
        if ru or rng.random() < 0.5:
            return f"{w.RU_INVESTIGATION if ru else 'Investigation'}: {sentence}"
        return f"Investigation: who profits from {rng.choice(w.EN_NOUNS)}"
    template = rng.randrange(4)
    if template == 0:
        place = rng.choice(w.RU_CITIES_GEN if ru else w.EN_PLACES)
        return f"{w.RU_REPORT_FROM if ru else 'Dispatch from'} {place}: {sentence}"
    if template == 1:
        noun = rng.choice(w.RU_NOUNS_GEN if ru else w.EN_NOUNS)
        return f"{w.RU_EXPLAINER if ru else 'Everything you need to know about'} {noun}"
    return f"{rng.choice(w.RU_OPENERS if ru else w.EN_OPENERS)} {sentence}"


def _article(rng: random.Random, index: int, now: datetime, urls: set[str]) -> Article:
    language: Language = "ru" if rng.random() < RUSSIAN_SHARE else "en"
    section = rng.choice(words.SECTIONS)
    title = _title(rng, language, section)
    published = now - timedelta(seconds=rng.uniform(300.0, PUBLISH_DAYS * 86400.0))
    published = published.replace(microsecond=0)
    base = f"{words.SITE}{language}/{section}/{published:%Y/%m/%d}/{slugify(title)}"
    url = base if base not in urls else f"{base}-{index}"
    urls.add(url)
    authors = rng.sample(
        words.RU_AUTHORS if language == "ru" else words.EN_AUTHORS, rng.choice((1, 1, 1, 2, 3))
    )
    long_read = section in ("investigations", "opinion")
    return Article(
        article_id=f"pn-{published:%Y%m%d}-{index:04d}",
        url=url,
        title=title,
        section=section,
        authors=tuple(authors),
        tags=tuple(rng.sample(words.TAGS, rng.randint(1, 5))),
        language=language,
        published_at=published,
        word_count=None
        if rng.random() < 0.05
        else rng.randint(1500 if long_read else 350, 4500 if long_read else 1800),
    )


def _reader(rng: random.Random) -> Reader:
    language: Language = "ru" if rng.random() < RUSSIAN_SHARE else "en"
    countries = words.RU_COUNTRIES if language == "ru" else words.EN_COUNTRIES
    country = rng.choices([c for c, _ in countries], [w for _, w in countries])[0]
    device = rng.choices([d for d, _ in DEVICE_MIX], [w for _, w in DEVICE_MIX])[0]
    return Reader(
        reader_id=f"r-{rng.getrandbits(64):016x}",
        language=language,
        country=None if rng.random() < 0.03 else country,  # geo lookup failed
        device=device,
        user_agent=rng.choice(_UAS_BY_DEVICE[device]),
    )


def build_world(seed: int, now: datetime, *, articles: int = 200, readers: int = 20_000) -> World:
    """Build the site as it stands at `now` (an aware datetime)."""
    if articles < 1 or readers < 1:
        raise ValueError("a world needs at least one article and one reader")
    rng = random.Random(seed)
    urls: set[str] = set()
    arts = sorted(
        (_article(rng, i, now, urls) for i in range(articles)), key=lambda a: a.published_at
    )
    # Zipf over a noisy recency rank: newer is hotter, but not strictly.
    ages = [(now - a.published_at).total_seconds() * rng.lognormvariate(0.0, 0.6) for a in arts]
    rank = {i: r for r, i in enumerate(sorted(range(len(arts)), key=ages.__getitem__), 1)}
    weight = [rank[i] ** -ZIPF_S for i in range(len(arts))]
    cum: dict[Language, tuple[tuple[int, ...], tuple[float, ...]]] = {}
    for language in ("en", "ru"):
        idx = tuple(i for i, a in enumerate(arts) if a.language == language)
        cum[language] = (idx, tuple(itertools.accumulate(weight[i] for i in idx)))
    pool = tuple(_reader(rng) for _ in range(readers))
    reader_cum = tuple(itertools.accumulate(r**-READER_ZIPF_S for r in range(1, readers + 1)))
    return World(seed, now, tuple(arts), pool, CAMPAIGNS, cum, reader_cum)
