"""The live page in a real browser, against a real worker fed with known events.

Headless Debian Chromium (Playwright for Python drives it; no browser is downloaded)
opens the page a `pulse worker` serves and reads the numbers off the DOM: top stories,
the donation funnel, readers right now, sections. Then new events arrive and the page
must show them without a reload; then the worker stops and the page must keep its
numbers and say that it is reconnecting. The page may talk to the worker only.

The screenshot it takes replaces the README's (`docs/live-page.png`) when the run sets
`PULSE_UPDATE_SCREENSHOT=1`; otherwise it stays in the test's temporary directory.
"""

from __future__ import annotations

import asyncio
import math
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from newsroom import (
    banner,
    donation,
    encode,
    envelope,
    produce,
    records_total,
    ts,
    view,
    wait_for,
)

from streams.conversion.stats import leader
from streams.processes import WorkerProcess

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPO = Path(__file__).resolve().parents[2]
SCREENSHOT = REPO / "docs" / "live-page.png"

ARTICLES = "cms.article-published"
VIEWS = "web.page-viewed"
BANNERS = "web.banner-events"
DONATIONS = "payments.donation-completed"
SITE = "https://pulse-news.example"
WEEK = 7 * 24 * 3600
RUSSIAN_TITLE = "Почему цензура не работает: репортаж из Казани"

# (article_id, section, title, language, published minutes ago)
STORIES = [
    ("pn-budget", "politics", "Parliament passes the budget after an all-night session", "en", 75),
    ("pn-kazan", "russia", RUSSIAN_TITLE, "ru", 52),
    ("pn-river", "science", "The river that came back: ten years of restoration", "en", 48),
    (
        "pn-derby",
        "sport",
        "Late winner settles the derby in the ninth minute of stoppage time",
        "en",
        31,
    ),
    ("pn-theatre", "culture", "A new theatre opens in the old tram depot", "en", 200),
    (
        "pn-markets",
        "business",
        "Bread prices: what the new tariffs mean for your shopping",
        "en",
        40,
    ),
]
# evergreen stories read a week ago: the faint line and the sections' baseline
EVERGREEN = {"politics": 3, "russia": 1, "culture": 2, "science": 1, "sport": 1}


def views_per_minute(article_id: str, age: int, since_published: int) -> int:
    """Known views of a story in the minute `age` minutes before the newest (0..52)."""
    if since_published < 0:
        return 0
    if article_id == "pn-budget":
        return max(1, 7 - since_published // 12)
    if article_id == "pn-kazan":
        return 1 + since_published // 9
    if article_id == "pn-river":
        return 2 if 10 <= age <= 30 else 1
    if article_id == "pn-derby":
        return 4 if since_published < 6 else 2
    if article_id == "pn-theatre":
        return 1 if age % 3 == 0 else 0
    return 1 if age % 2 == 0 else 0


def article_event(
    article_id: str, section: str, title: str, language: str, at: float, published: float
) -> dict[str, Any]:
    """`article.published`, sent by the CMS at `at` about a story published earlier."""
    event = envelope(
        "article.published",
        at,
        article_id=article_id,
        url=f"{SITE}/{section}/{article_id}",
        title=title,
        section=section,
        authors=["Newsroom staff"],
        tags=[section],
        language=language,
        published_at=ts(published),
    )
    return event


@dataclass
class Truth:
    """What was sent, so that every number on the page can be computed independently."""

    views: list[tuple[str, str, float]] = field(default_factory=list)  # article, reader, time
    banners: dict[tuple[str, str, str], int] = field(default_factory=dict)
    donations: dict[tuple[str, str], list[tuple[int, str]]] = field(default_factory=dict)
    newest: float = 0.0

    def end(self) -> int:
        return int(self.newest // 60)

    def span_views(self, article_id: str, minutes: int) -> int:
        first = self.end() - minutes + 1
        return sum(1 for a, _, t in self.views if a == article_id and int(t // 60) >= first)

    def readers(self, article_id: str) -> int:
        return len({r for a, r, _ in self.views if a == article_id})

    def top(self, minutes: int) -> list[tuple[str, int]]:
        ids = {a for a, _, _ in self.views if not a.startswith("pn-old")}
        rows = [(a, self.span_views(a, minutes)) for a in ids]
        return sorted((r for r in rows if r[1]), key=lambda r: (-r[1], r[0]))[:10]

    def now(self) -> tuple[int, int]:
        """(views, distinct readers) of the last five minutes."""
        recent = [(a, r) for a, r, t in self.views if int(t // 60) >= self.end() - 4]
        return len(recent), len({r for _, r in recent})

    def hour_views(self) -> int:
        first = self.end() - 59
        return sum(1 for _, _, t in self.views if int(t // 60) >= first)


def prefixed(prefix: str, records: list[tuple[str, bytes, bytes]]) -> list[Any]:
    return [(prefix + topic, key, value) for topic, key, value in records]


class Feed:
    """Sends known events in event-time order, each step folded before the next."""

    def __init__(self, worker: WorkerProcess, bootstrap: str, prefix: str) -> None:
        self.worker = worker
        self.bootstrap = bootstrap
        self.prefix = prefix
        self.sent = 0
        self.truth = Truth()

    def send(self, records: list[tuple[str, bytes, bytes]], what: str) -> None:
        # Playwright's sync API runs an event loop in this thread: produce from another
        with ThreadPoolExecutor(1) as pool:
            pool.submit(
                asyncio.run, produce(self.bootstrap, prefixed(self.prefix, records))
            ).result()
        self.sent += len(records)
        wait_for(
            lambda: records_total(self.worker.get_json("/api/v1/totals")) == self.sent,
            timeout=90,
            what=what,
        )

    def views(self, items: list[tuple[str, str, float]], what: str, bots: int = 0) -> None:
        items = sorted(items, key=lambda v: v[2])
        records = [
            (VIEWS, a.encode(), encode(view(a, r, t, referrer="https://www.google.com/")))
            for a, r, t in items
        ]
        t_bot = items[-1][2]
        records += [
            (VIEWS, b"pn-budget", encode(view("pn-budget", f"crawler-{i}", t_bot, bot=True)))
            for i in range(bots)
        ]
        self.send(records, what)
        self.truth.views += [v for v in items if not v[0].startswith("pn-old")]
        self.truth.newest = max(self.truth.newest, items[-1][2])

    def funnel(self, counts: dict[tuple[str, str, str], int], gifts: Any, at: float) -> None:
        """Banner events (campaign, variant, action) → n and donations, spread before `at`."""
        records = []
        n = 0
        newest = 0.0
        for (campaign, variant, action), count in sorted(counts.items()):
            for i in range(count):
                t = at - 100 + (n % 97)
                newest = max(newest, t)
                n += 1
                reader = f"bn-{campaign}-{variant}-{action}-{i}-{self.sent}"
                if action.startswith("dismissed_"):
                    event = banner("dismissed", campaign, variant, reader, t, action[10:])
                else:
                    event = banner(action, campaign, variant, reader, t)
                records.append((BANNERS, campaign.encode(), encode(event)))
            key = (campaign, variant, action)
            self.truth.banners[key] = self.truth.banners.get(key, 0) + count
        for i, (campaign, variant, amount, currency) in enumerate(gifts):
            reader = f"donor-{i}-{self.sent}"
            t = at - 50 + i
            newest = max(newest, t)
            event = donation(reader, amount, currency, t, campaign, variant)
            records.append((DONATIONS, reader.encode(), encode(event)))
            label = (campaign or "unattributed", variant or "none")
            self.truth.donations.setdefault(label, []).append((amount, currency))
        records.sort(key=lambda r: r[2])
        self.send(records, "banner events and donations folded")
        self.truth.newest = max(self.truth.newest, newest)


def feed_history(feed: Feed, now: float) -> None:
    """A week ago, then the last hour: articles, views (some by bots), banners, gifts."""
    week_start = now - WEEK - 140 * 60
    feed.send(
        [
            (
                ARTICLES,
                f"pn-old-{s}".encode(),
                encode(
                    article_event(
                        f"pn-old-{s}", s, f"Explainer: {s}", "en", week_start, week_start - 3600
                    )
                ),
            )
            for s in EVERGREEN
        ],
        "last week's articles folded",
    )
    last_week = []
    for minute in range(136):
        t = now - WEEK - (135 - minute) * 60
        for section, weight in EVERGREEN.items():
            extra = 1 if (minute // 20) % 2 == 0 and section == "politics" else 0
            for i in range(weight + extra):
                last_week.append((f"pn-old-{section}", f"lw-{minute}-{section}-{i}", t + i))
    feed.views(last_week, "last week's views folded")

    feed.send(
        [
            (
                ARTICLES,
                a.encode(),
                encode(article_event(a, s, title, lang, now - 56 * 60, now - p * 60)),
            )
            for a, s, title, lang, p in STORIES
        ],
        "today's articles folded",
    )
    current = []
    for age in range(52, -1, -1):
        t = now - 3 - age * 60
        for index, (a, _, _, _, published) in enumerate(STORIES):
            for i in range(views_per_minute(a, age, published - age)):
                # readers come back: the same reader reads several minutes apart
                reader = f"reader-{(age * 5 + i * 17 + index * 31) % 150:03d}"
                current.append((a, reader, t - i))
    feed.views(current, "today's views folded", bots=3)

    feed.funnel(
        {
            ("year-end-appeal", "control", "shown"): 120,
            ("year-end-appeal", "control", "clicked"): 18,
            ("year-end-appeal", "control", "dismissed_close"): 40,
            ("year-end-appeal", "control", "dismissed_remind_later"): 12,
            ("year-end-appeal", "urgent", "shown"): 115,
            ("year-end-appeal", "urgent", "clicked"): 27,
            ("year-end-appeal", "urgent", "dismissed_close"): 30,
            ("year-end-appeal", "urgent", "dismissed_remind_later"): 20,
            ("spring-members", "a", "shown"): 40,
            ("spring-members", "a", "clicked"): 3,
            ("spring-members", "a", "dismissed_close"): 9,
        },
        [("year-end-appeal", "control", 500, "USD")] * 6
        + [("year-end-appeal", "urgent", 1000, "USD")] * 10
        + [("year-end-appeal", "urgent", 2500, "EUR")]
        + [("spring-members", "a", 900, "EUR"), (None, None, 2500, "USD")],
        time.time(),
    )


# ---------------------------------------------------------------------- the browser


@dataclass
class Browser:
    page: Any
    requests: list[str]
    errors: list[str]


@pytest.fixture
def worker(kafka_bootstrap: str, unique_name: str, tmp_path: Path) -> Iterator[WorkerProcess]:
    # windows stay open through quiet spells longer than this test, so "readers in the
    # last 5 minutes" is exact rather than a lower bound (see streams/readership/live.py)
    with WorkerProcess(
        kafka_bootstrap,
        tmp_path / "w1",
        app_id=unique_name,
        topic_prefix=f"{unique_name}.",
        env={"PULSE_IDLE_SECONDS": "900"},
    ) as w:
        yield w


@pytest.fixture
def browser(worker: WorkerProcess) -> Iterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"the live page test needs Debian's chromium at {CHROMIUM}: apt-get install chromium"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the live page test needs Playwright for Python: pip install playwright")
    profile = tempfile.mkdtemp(prefix="pulse-chromium-")
    requests: list[str] = []
    errors: list[str] = []
    try:
        with sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(
                profile,
                executable_path=CHROMIUM,
                headless=True,
                args=CHROMIUM_ARGS,
                viewport={"width": 1280, "height": 900},
                device_scale_factor=1,
                locale="en-GB",
                timezone_id="UTC",
                service_workers="block",
            )

            def on_route(route: Any) -> None:
                url = route.request.url
                requests.append(url)
                if url.startswith(worker.url + "/"):
                    route.continue_()
                else:
                    route.abort()  # and the test fails below: nothing from elsewhere

            context.route("**/*", on_route)
            page = context.pages[0] if context.pages else context.new_page()
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.set_default_timeout(30_000)
            yield Browser(page, requests, errors)
            context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def text(page: Any, selector: str) -> str:
    return str(page.locator(selector).first.inner_text()).strip()


def wait_text(page: Any, selector: str, expected: str, timeout: float = 30_000) -> None:
    """Wait until the element's text is exactly `expected` (the page polls the API)."""
    page.wait_for_function(
        """([selector, expected]) => {
            const node = document.querySelector(selector);
            return node !== null && node.textContent.trim() === expected;
        }""",
        arg=[selector, expected],
        timeout=timeout,
    )


def row(article_id: str, field_name: str) -> str:
    return f'#stories-body tr[data-id="{article_id}"] [data-field="{field_name}"]'


def funnel_cell(campaign: str, variant: str, field_name: str) -> str:
    return f'[data-campaign="{campaign}"] tr[data-variant="{variant}"] [data-field="{field_name}"]'


def pct(x: float) -> str:
    return f"{x * 100:.1f}%"


def assert_top_stories(page: Any, truth: Truth, minutes: int) -> None:
    expected = truth.top(minutes)
    for article_id, views in expected:
        wait_text(page, row(article_id, "views"), f"{views:,}")
    order = page.eval_on_selector_all("#stories-body tr", "rows => rows.map(r => r.dataset.id)")
    assert order == [a for a, _ in expected]
    for article_id, _ in expected:
        assert text(page, row(article_id, "readers")) == f"{truth.readers(article_id):,}"


def assert_funnel(page: Any, truth: Truth) -> None:
    variants: dict[str, dict[str, tuple[int, int]]] = {}
    for campaign, variant in {(c, v) for c, v, _ in truth.banners}:
        shown = truth.banners.get((campaign, variant, "shown"), 0)
        clicked = truth.banners.get((campaign, variant, "clicked"), 0)
        gifts = len(truth.donations.get((campaign, variant), []))
        wait_text(page, funnel_cell(campaign, variant, "shown"), f"{shown:,}")
        assert text(page, funnel_cell(campaign, variant, "clicked")) == f"{clicked:,}"
        assert text(page, funnel_cell(campaign, variant, "donations")) == f"{gifts:,}"
        for action in ("dismissed_close", "dismissed_remind_later"):
            n = truth.banners.get((campaign, variant, action), 0)
            assert text(page, funnel_cell(campaign, variant, action)) == f"{n:,}"
        assert text(page, funnel_cell(campaign, variant, "ctr")) == pct(clicked / shown)
        assert text(page, funnel_cell(campaign, variant, "conversion")) == pct(gifts / shown)
        variants.setdefault(campaign, {})[variant] = (gifts, shown)
    lead = leader(variants["year-end-appeal"])
    assert lead is not None
    verdict = text(page, '[data-campaign="year-end-appeal"] [data-field="verdict"]')
    percent = math.floor(lead[1] * 100 + 0.5)  # as JavaScript's Math.round
    assert verdict.startswith(f"{lead[0]} leads: {percent}% chance")
    runner_up = "control" if lead[0] == "urgent" else "urgent"
    assert f"better than {runner_up}" in verdict


def test_live_page_shows_the_pipeline_live(
    worker: WorkerProcess,
    browser: Browser,
    kafka_bootstrap: str,
    unique_name: str,
    tmp_path: Path,
) -> None:
    status, body = worker.request("GET", "/")
    assert status == 200, "the worker does not serve the page: install_page(app) in build_worker"
    assert b"Newsroom Pulse" in body
    feed = Feed(worker, kafka_bootstrap, f"{unique_name}.")
    feed_history(feed, time.time())
    truth = feed.truth
    page = browser.page

    page.goto(worker.url + "/", wait_until="domcontentloaded")
    page.evaluate("window.__sameDocument = true")

    # top stories (1 hour), with the Russian title as it was sent
    assert_top_stories(page, truth, 60)
    title = page.locator(row("pn-kazan", "title"))
    assert title.inner_text() == RUSSIAN_TITLE
    assert title.get_attribute("lang") == "ru"
    assert text(page, row("pn-kazan", "section")) == "Russia"
    assert page.evaluate("document.characterSet") == "UTF-8"
    page.wait_for_selector(f"{row('pn-budget', 'spark')} svg.spark")

    # now: views and readers of the last five minutes, views of the last hour
    views5, readers5 = truth.now()
    wait_text(page, '[data-testid="readers-5min"]', f"{readers5:,}")
    assert text(page, '[data-testid="views-5min"]') == f"{views5:,}"
    assert text(page, '[data-testid="views-60min"]') == f"{truth.hour_views():,}"
    assert page.locator("#legend-week").is_visible()  # last week's line is known
    # sections, against the same hour last week
    politics = sum(truth.span_views(a, 60) for a, s, *_ in STORIES if s == "politics")
    wait_text(
        page, '#section-bars li[data-section="politics"] [data-field="views"]', f"{politics:,}"
    )
    assert "against the same hour last week" in text(page, "#sections-sub")

    # the donation funnel per campaign and variant
    assert_funnel(page, truth)
    unattributed = text(page, "#unattributed")
    assert "Donations not attributed to a prompt: 1 " in unattributed
    wait_text(page, "#status-text", "Live")

    page.wait_for_timeout(300)  # let the last sparkline settle
    page.screenshot(path=str(tmp_path / "live-page.png"), full_page=True)
    assert (tmp_path / "live-page.png").stat().st_size > 10_000
    if os.environ.get("PULSE_UPDATE_SCREENSHOT"):  # the README's copy, on purpose only
        SCREENSHOT.parent.mkdir(exist_ok=True)
        shutil.copyfile(tmp_path / "live-page.png", SCREENSHOT)

    # a phone: everything fits the width
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(300)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(tmp_path / "live-page-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    # new events arrive: the page shows them without a reload
    now = time.time()
    burst = [("pn-river", f"newcomer-{i:02d}", now - 2 - i * 0.1) for i in range(130)]
    feed.views(burst, "the burst of views folded")
    feed.funnel(
        {("year-end-appeal", "control", "shown"): 30, ("year-end-appeal", "control", "clicked"): 5},
        [("year-end-appeal", "control", 500, "USD")] * 2,
        time.time(),
    )
    assert truth.top(60)[0][0] == "pn-river"
    assert_top_stories(page, truth, 60)
    views5, readers5 = truth.now()
    wait_text(page, '[data-testid="readers-5min"]', f"{readers5:,}")
    assert_funnel(page, truth)
    assert page.evaluate("window.__sameDocument") is True

    # the span control, from the keyboard: 1 hour → 5 minutes
    page.focus("#span-60")
    page.keyboard.press("ArrowLeft")
    wait_text(page, "#views-unit", "5 min")
    assert_top_stories(page, truth, 5)

    # the worker goes away: the numbers stay, the page says it is reconnecting
    shown = text(page, row("pn-river", "views"))
    worker.stop()
    page.wait_for_function(
        "() => ['Reconnecting…', 'Offline'].includes("
        "document.getElementById('status-text').textContent)",
        timeout=30_000,
    )
    assert text(page, row("pn-river", "views")) == shown
    assert page.evaluate("window.__sameDocument") is True

    foreign = [u for u in browser.requests if not u.startswith(worker.url + "/")]
    assert foreign == [], f"the page asked other hosts: {foreign}"
    assert browser.errors == [], f"the page threw: {browser.errors}"
