"""The simulated site: one seed is one plausible site, and the mixes are what we claim."""

# ruff: noqa: RUF001 - Russian titles on purpose

from __future__ import annotations

import random
import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from streams.simulate import words
from streams.simulate.world import CAMPAIGNS, World, build_world, slugify

NOW = datetime(2026, 11, 27, 18, 0, tzinfo=UTC)
CYRILLIC = re.compile("[\u0400-\u04ff]")


@pytest.fixture(scope="module")
def world() -> World:
    return build_world(42, NOW)


def test_same_seed_same_site_other_seed_other_site(world: World) -> None:
    again = build_world(42, NOW)
    assert again.articles == world.articles
    assert again.readers == world.readers
    assert build_world(43, NOW).articles != world.articles


def test_defaults_and_sizes(world: World) -> None:
    assert len(world.articles) == 200
    assert len(world.readers) == 20_000
    small = build_world(1, NOW, articles=3, readers=5)
    assert (len(small.articles), len(small.readers)) == (3, 5)
    with pytest.raises(ValueError):
        build_world(1, NOW, articles=0)


def test_articles_follow_the_contract(world: World) -> None:
    ids = {a.article_id for a in world.articles}
    urls = {a.url for a in world.articles}
    assert len(ids) == len(urls) == len(world.articles)
    for a in world.articles:
        assert re.fullmatch(r"[A-Za-z0-9._:-]{1,128}", a.article_id)
        assert a.section in words.SECTIONS and re.fullmatch(r"[a-z0-9-]{1,64}", a.section)
        assert a.url.startswith(f"https://pulse-news.example/{a.language}/{a.section}/")
        assert re.fullmatch(
            r"https://pulse-news\.example/(en|ru)/[a-z-]+/\d{4}/\d{2}/\d{2}/[a-z0-9-]+", a.url
        )
        assert a.url.split("/")[-4:-1] == a.published_at.strftime("%Y/%m/%d").split("/")
        assert 1 <= len(a.title) <= 500 and 1 <= len(a.authors) <= 20 and 1 <= len(a.tags) <= 50
        assert NOW - timedelta(days=5) <= a.published_at < NOW
        assert a.word_count is None or a.word_count >= 0
    published = [a.published_at for a in world.articles]
    assert published == sorted(published)


def test_about_a_third_is_russian_with_cyrillic_titles(world: World) -> None:
    russian = [a for a in world.articles if a.language == "ru"]
    assert 0.25 <= len(russian) / len(world.articles) <= 0.45
    assert all(CYRILLIC.search(a.title) for a in russian)
    assert not any(CYRILLIC.search(a.title) for a in world.articles if a.language == "en")
    assert all(a.url.isascii() for a in world.articles)
    bigger = build_world(5, NOW, articles=600, readers=10)
    assert any(a.title.startswith("Почему ") for a in bigger.articles)
    assert any(a.title.startswith("Расследование: ") for a in bigger.articles)


def test_section_sets_the_kind_of_headline(world: World) -> None:
    for a in world.articles:
        if a.section == "opinion":
            assert a.title.startswith(("Opinion: ", "Мнение: "))


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Почему Кремль теряет доверие", "pochemu-kreml-teryaet-doverie"),
        ("Всё, что нужно знать о санкциях", "vse-chto-nuzhno-znat-o-sanktsiyakh"),
        ("Why the ruble hides the real numbers", "why-the-ruble-hides-the-real-numbers"),
        ("¿¡!", "article"),
        ("word " * 40, ("word-" * 14)[:-1]),
    ],
)
def test_slugify(title: str, slug: str) -> None:
    assert slugify(title) == slug


def test_readers_are_pseudonymous_and_mixed(world: World) -> None:
    ids = [r.reader_id for r in world.readers]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"r-[0-9a-f]{16}", i) for i in ids)
    devices = Counter(r.device for r in world.readers)
    assert set(devices) == {"desktop", "mobile", "tablet", "other"}
    assert devices["mobile"] > devices["desktop"] > devices["tablet"] > devices["other"]
    assert all(r.country is None or re.fullmatch(r"[A-Z]{2}", r.country) for r in world.readers)
    share_ru = sum(r.language == "ru" for r in world.readers) / len(world.readers)
    assert 0.32 <= share_ru <= 0.38


def test_popularity_is_skewed_and_favours_new_articles(world: World) -> None:
    rng = random.Random(0)
    picks = Counter(world.pick_article(rng, "en").article_id for _ in range(20_000))
    top = sum(n for _, n in picks.most_common(len(world.articles) // 10))
    assert top / 20_000 > 0.4  # Zipf: the top tenth takes a large share
    by_id = {a.article_id: a for a in world.articles}
    mean_age = sum((NOW - a.published_at).total_seconds() for a in world.articles) / 200
    picked_age = sum(n * (NOW - by_id[i].published_at).total_seconds() for i, n in picks.items())
    assert picked_age / 20_000 < 0.6 * mean_age


def test_readers_prefer_their_language(world: World) -> None:
    rng = random.Random(1)
    picks = [world.pick_article(rng, "ru").language for _ in range(5_000)]
    assert 0.8 <= picks.count("ru") / len(picks) <= 0.9


def test_variant_assignment_is_stable_and_balanced(world: World) -> None:
    campaign = CAMPAIGNS[0]
    readers = world.readers[:4_000]
    assigned = [world.variant_for(campaign, r.reader_id).name for r in readers]
    assert assigned == [world.variant_for(campaign, r.reader_id).name for r in readers]
    share = assigned.count(campaign.variants[0].name) / len(assigned)
    assert 0.45 <= share <= 0.55


def test_campaigns_and_their_rates_are_plausible(world: World) -> None:
    assert 2 <= len(world.campaigns) <= 3
    rng = random.Random(2)
    english = {world.pick_campaign(rng, "en").campaign_id for _ in range(500)}
    assert "ru-members" not in english
    for campaign in world.campaigns:
        assert re.fullmatch(r"[a-z0-9_-]+", campaign.campaign_id)
        assert len(campaign.variants) == 2
        for v in campaign.variants:
            assert 0.02 <= v.click_rate <= 0.06 and 0.2 <= v.conversion_rate <= 0.35
            assert v.click_rate + v.dismiss_rate < 1


def test_front_urls_are_site_pages(world: World) -> None:
    rng = random.Random(3)
    urls = {world.front_url(rng, "ru") for _ in range(200)}
    assert words.SITE in urls and "https://pulse-news.example/ru/" in urls
    assert all(u.startswith(words.SITE) and u.endswith("/") for u in urls)
