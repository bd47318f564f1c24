"""The record stream: a pure, seeded generator over the world model.

One record per slot of a uniform event clock (`rate_per_s` slots per second), so the
producer can pace by counting. The banner funnel is a queue of scheduled follow-ups
(shown, then clicked or dismissed, then a donation), each emitted only after the step
before it, so every prefix of the stream keeps clicked <= shown per variant.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

import orjson

from streams.simulate import events, malformed, words
from streams.simulate.events import BannerContext, Event
from streams.simulate.world import Language, Reader, Variant, World

Kind = Literal["event", "duplicate", "malformed"]
KINDS: tuple[Kind, ...] = ("event", "duplicate", "malformed")

BOT_SHARE = 0.02  # of page views
FRONT_SHARE = 0.10  # home and section fronts, no article_id
BANNER_RATE = 0.4  # of human article views
REPUBLISH_RATE = 0.0002  # per slot: now and then the CMS re-sends an edited article
UNATTRIBUTED_SHARE = 0.15  # of donations
REFERRER_MIX: tuple[tuple[str, float], ...] = (
    ("search", 0.35),
    ("social", 0.20),
    ("direct", 0.25),
    ("internal", 0.12),
    ("newsletter", 0.05),
    ("other", 0.03),
)
_SOURCES = tuple(source for source, _ in REFERRER_MIX)
_SOURCE_CUM = tuple(itertools.accumulate(share for _, share in REFERRER_MIX))
DUPLICATE_WINDOW = 256  # duplicates repeat a recent record, as a producer retry does
_EXTERNAL = {
    "search": words.SEARCH_REFERRERS,
    "social": words.SOCIAL_REFERRERS,
    "other": words.OTHER_REFERRERS,
}


@dataclass(frozen=True, slots=True)
class SimRecord:
    """One Kafka message to produce; `kind` is the ground truth of what it is."""

    topic: str
    key: bytes | None
    value: bytes
    kind: Kind


@dataclass
class Counts:
    """Records per (topic, kind): what a processor's outcome counts should add up to."""

    records: Counter[tuple[str, str]] = field(default_factory=Counter)

    def add(self, topic: str, kind: str, n: int = 1) -> None:
        self.records[topic, kind] += n

    @property
    def total(self) -> int:
        return sum(self.records.values())

    def per_topic(self, kind: str | None = None) -> dict[str, int]:
        out: Counter[str] = Counter()
        for (topic, k), n in self.records.items():
            if kind is None or k == kind:
                out[topic] += n
        return dict(out)

    def per_kind(self) -> dict[str, int]:
        out: Counter[str] = Counter()
        for (_, kind), n in self.records.items():
            out[kind] += n
        return dict(out)

    def as_dict(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for (topic, kind), n in sorted(self.records.items()):
            out.setdefault(topic, {})[kind] = n
        return out

    def format(self) -> str:
        width = max([len(t) for t, _ in self.records] + [5])
        lines = [f"{'topic':<{width}}  " + "".join(f"{k:>10}" for k in KINDS)]
        for topic, kinds in self.as_dict().items():
            lines.append(f"{topic:<{width}}  " + "".join(f"{kinds.get(k, 0):>10}" for k in KINDS))
        lines.append(
            f"{'total':<{width}}  " + "".join(f"{self.per_kind().get(k, 0):>10}" for k in KINDS)
        )
        return "\n".join(lines)


@dataclass(slots=True)
class _Session:
    reader: Reader
    session_id: str
    last_url: str


@dataclass(frozen=True, slots=True)
class _Step:
    action: Literal["shown", "clicked", "dismissed", "donation"]
    ctx: BannerContext | None  # None: an unattributed donation
    reader: Reader
    variant: Variant | None


def generate(
    world: World,
    n: int | None,
    start: datetime,
    rate_per_s: float,
    duplicates_ratio: float = 0.0,
    malformed_ratio: float = 0.0,
) -> Iterator[SimRecord]:
    """Yield `n` records (forever if None): every article first, then the traffic.

    Slot i's event time is `start + (i - len(world.articles)) / rate_per_s`, so the
    catalogue lands just before `start`. The same world, start and arguments give the
    same bytes; another start gives other event ids.
    """
    if rate_per_s <= 0:
        raise ValueError("rate_per_s must be positive")
    if duplicates_ratio < 0 or malformed_ratio < 0 or duplicates_ratio + malformed_ratio >= 1:
        raise ValueError("ratios must be >= 0 and sum to less than 1")
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    return _Stream(world, start, rate_per_s).run(n, duplicates_ratio, malformed_ratio)


class _Stream:
    def __init__(self, world: World, start: datetime, rate: float) -> None:
        self.world = world
        self.rng = random.Random(f"{world.seed}/{start.isoformat()}")
        self.t0 = start.timestamp()
        self.step = 1.0 / rate
        self.pending: list[tuple[float, int, _Step]] = []
        self.seq = itertools.count()
        self.sessions: deque[_Session] = deque(maxlen=2048)
        self.recent: deque[SimRecord] = deque(maxlen=DUPLICATE_WINDOW)

    def run(self, n: int | None, dup: float, bad: float) -> Iterator[SimRecord]:
        articles = self.world.articles
        for slot in itertools.count() if n is None else range(n):
            at = self.t0 + (slot - len(articles)) * self.step
            if slot < len(articles):
                yield self._record(events.article_published(self.rng, articles[slot], at))
                continue
            roll = self.rng.random()
            if roll < bad:
                kind = self.rng.choice(malformed.MALFORMED_KINDS)
                topic, key, value = malformed.corrupt(
                    self.rng, kind, malformed.sample_event(self.rng, self.world, at), at
                )
                yield SimRecord(topic, key, value, "malformed")
            elif roll < bad + dup and self.recent:
                original = self.rng.choice(self.recent)
                yield SimRecord(original.topic, original.key, original.value, "duplicate")
            else:
                yield self._record(self._next_event(at))

    def _record(self, event: Event) -> SimRecord:
        topic = events.TOPIC_OF[event["event_type"]]
        record = SimRecord(topic, events.key_for(topic, event), orjson.dumps(event), "event")
        self.recent.append(record)
        return record

    def _schedule(self, due: float, step: _Step) -> None:
        heapq.heappush(self.pending, (due, next(self.seq), step))

    def _next_event(self, at: float) -> Event:
        if self.pending and self.pending[0][0] <= at:
            due, _, step = heapq.heappop(self.pending)
            return self._follow_up(due, step)
        if self.rng.random() < REPUBLISH_RATE:
            return self._republish(at)
        if self.rng.random() < BOT_SHARE:
            return self._bot_view(at)
        return self._page_view(at)

    def _republish(self, at: float) -> Event:
        """An editor's update: same article and section, revised text and tags."""
        rng = self.rng
        article = self.world.pick_article(rng, "en" if rng.random() < 0.65 else "ru")
        extra = rng.choice([t for t in words.TAGS if t not in article.tags])
        words_now = article.word_count and article.word_count + rng.randint(40, 400)
        revised = replace(article, tags=(*article.tags, extra), word_count=words_now)
        return events.article_published(rng, revised, at)

    def _page_view(self, at: float) -> Event:
        rng, world = self.rng, self.world
        source = rng.choices(_SOURCES, cum_weights=_SOURCE_CUM)[0]
        if source == "internal" and self.sessions:
            session = rng.choice(self.sessions)
            referrer: str | None = session.last_url
        else:
            reader = world.pick_reader(rng)
            session = _Session(reader, f"s-{rng.getrandbits(64):016x}", words.SITE)
            self.sessions.append(session)
            referrer = self._referrer(source, reader.language)
        reader = session.reader
        article = None if rng.random() < FRONT_SHARE else world.pick_article(rng, reader.language)
        url = article.url if article else world.front_url(rng, reader.language)
        if source == "newsletter":
            day = events.timestamp(at)[:10]
            url += f"?utm_source=newsletter&utm_medium=email&utm_campaign=daily-{day}"
        session.last_url = url
        if article is not None and rng.random() < BANNER_RATE:
            campaign = world.pick_campaign(rng, article.language)
            variant = world.variant_for(campaign, reader.reader_id)
            ctx = BannerContext(
                campaign_id=campaign.campaign_id,
                variant=variant.name,
                reader=reader,
                session_id=session.session_id,
                article_id=article.article_id,
                placement=None if rng.random() < 0.1 else rng.choice(events.PLACEMENTS),
            )
            self._schedule(at + rng.uniform(0.3, 3.0), _Step("shown", ctx, reader, variant))
        return events.page_viewed(
            rng,
            at,
            reader=reader,
            session_id=session.session_id,
            url=url,
            article_id=article.article_id if article else None,
            referrer=referrer,
        )

    def _referrer(self, source: str, language: Language) -> str | None:
        if source == "internal":
            return words.SITE
        if source not in _EXTERNAL:
            return None  # direct, newsletter: no document referrer
        options = _EXTERNAL[source]
        weights = [ru if language == "ru" else en for _, en, ru in options]
        return self.rng.choices([url for url, _, _ in options], weights)[0]

    def _bot_view(self, at: float) -> Event:
        rng = self.rng
        ua = rng.choice(words.BOT_UAS)
        crawler = Reader(
            reader_id=f"r-{rng.getrandbits(64):016x}",  # crawlers keep no cookies
            language="en",
            country=rng.choice(("US", "US", "US", "RU", "IE", None)),
            device="mobile" if "Android" in ua else "other",
            user_agent=ua,
        )
        article = None if rng.random() < 0.15 else rng.choice(self.world.articles)
        return events.page_viewed(
            rng,
            at,
            reader=crawler,
            session_id=f"s-{rng.getrandbits(64):016x}",
            url=article.url if article else self.world.front_url(rng, "en"),
            article_id=article.article_id if article else None,
            referrer=None,
        )

    def _follow_up(self, due: float, step: _Step) -> Event:
        rng, ctx, variant = self.rng, step.ctx, step.variant
        if ctx is None or variant is None or step.action == "donation":
            return events.donation(rng, due, step.reader, ctx)
        if step.action == "shown":
            roll = rng.random()
            if roll < variant.click_rate:
                self._schedule(due + rng.uniform(2.0, 40.0), replace(step, action="clicked"))
            elif roll < variant.click_rate + variant.dismiss_rate:
                self._schedule(due + rng.uniform(1.0, 20.0), replace(step, action="dismissed"))
            return events.banner(rng, "shown", due, ctx)
        if step.action == "clicked":
            if rng.random() < variant.conversion_rate:
                self._schedule(due + rng.uniform(15.0, 120.0), replace(step, action="donation"))
                if rng.random() < UNATTRIBUTED_SHARE / (1 - UNATTRIBUTED_SHARE):
                    # Donors who came by the donate page, paced with the banners' ones.
                    donor = _Step("donation", None, self.world.pick_reader(rng), None)
                    self._schedule(due + rng.uniform(0.0, 120.0), donor)
            return events.banner(rng, "clicked", due, ctx)
        reason: Literal["close", "remind_later"] = (
            "remind_later" if rng.random() < variant.remind_share else "close"
        )
        return events.banner(rng, "dismissed", due, ctx, reason)
