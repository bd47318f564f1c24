import pytest

from streams.ingest.referrer import REFERRER_CLASSES, classify_referrer

PAGE = "https://www.example-news.org/world/2026/11/27/story"
SITE = frozenset({"example-news.org", "Mirror.Example-News.NET"})


def test_classes_are_the_contract_labels() -> None:
    assert REFERRER_CLASSES == ("search", "social", "direct", "internal", "newsletter", "other")


@pytest.mark.parametrize(
    ("referrer", "url", "expected"),
    [
        (None, PAGE, "direct"),
        ("", PAGE, "direct"),
        ("   ", PAGE, "direct"),
        (None, PAGE + "?utm_source=site&utm_medium=banner", "direct"),
        (None, PAGE + "?utm_medium=email&utm_source=daily", "newsletter"),
        (None, PAGE + "?utm_medium=Newsletter", "newsletter"),
        (None, PAGE + "?utm_medium=e-mail", "newsletter"),
        (None, PAGE + "?utm_source=morning-newsletter&utm_medium=link", "newsletter"),
        (None, PAGE + "?utm_campaign=newsletter", "direct"),  # only medium/source count
        (None, PAGE + "#utm_medium=email", "direct"),  # a fragment is not the query
        (None, "https://[broken/story?utm_medium=email", "direct"),  # unparsable URL
    ],
)
def test_without_referrer(referrer: str | None, url: str, expected: str) -> None:
    assert classify_referrer(referrer, url, SITE) == expected


@pytest.mark.parametrize(
    "referrer",
    [
        "https://www.example-news.org/",
        "https://example-news.org/russia/story-2",
        "http://WWW.EXAMPLE-NEWS.ORG./section/",
        "https://m.example-news.org/story",  # a subdomain of the site
        "https://amp.example-news.org:8443/x?y=1",
        "https://mirror.example-news.net/story",  # listed in site_hosts (any case)
        "https://www.mirror.example-news.net/",
        "https://user:pw@example-news.org/",
    ],
)
def test_internal(referrer: str) -> None:
    assert classify_referrer(referrer, PAGE, SITE) == "internal"


@pytest.mark.parametrize(
    ("referrer", "url", "site_hosts"),
    [
        # the page's own host is the site even when site_hosts is empty
        ("https://blog.local-paper.ru/a", "https://local-paper.ru/b", frozenset()),
        ("https://local-paper.ru/a", "https://www.local-paper.ru/b", frozenset()),
        ("https://новости.рф/a", "https://новости.рф/b", frozenset()),
    ],
)
def test_internal_by_page_host(referrer: str, url: str, site_hosts: frozenset[str]) -> None:
    assert classify_referrer(referrer, url, site_hosts) == "internal"


@pytest.mark.parametrize(
    "referrer",
    [
        "https://example-news.org.evil.com/",  # the site's name as a subdomain elsewhere
        "https://notexample-news.org/",
        "https://example-news.com/",
        "https://example-news.org@evil.com/",  # userinfo, not host
    ],
)
def test_lookalikes_are_not_internal(referrer: str) -> None:
    assert classify_referrer(referrer, PAGE, SITE) == "other"


@pytest.mark.parametrize(
    "referrer",
    [
        "https://www.google.com/",
        "https://google.com/search?q=news",
        "https://www.google.co.uk/",
        "https://www.google.com.br/",
        "https://www.google.ru/",
        "https://news.google.com/stories/abc",
        "https://www.bing.com/search?q=x",
        "https://cn.bing.com/",
        "https://duckduckgo.com/",
        "https://yandex.ru/search/?text=x",
        "https://yandex.com.tr/",
        "https://ya.ru/",
        "https://search.yahoo.com/",
        "https://search.yahoo.co.jp/",
        "https://www.baidu.com/link?url=x",
        "https://www.ecosia.org/",
        "https://www.startpage.com/",
        "https://www.qwant.com/",
        "https://search.brave.com/search?q=x",
        "https://go.mail.ru/search?q=x",
        "android-app://com.google.android.googlequicksearchbox/",
        "android-app://ru.yandex.searchplugin",
    ],
)
def test_search(referrer: str) -> None:
    assert classify_referrer(referrer, PAGE, SITE) == "search"


@pytest.mark.parametrize(
    "referrer",
    [
        "https://www.facebook.com/",
        "https://m.facebook.com/",
        "https://l.facebook.com/l.php?u=x",
        "https://lm.facebook.com/",
        "https://fb.me/abc",
        "https://t.co/AbCdEf",
        "https://twitter.com/someone/status/1",
        "https://x.com/someone",
        "https://www.instagram.com/",
        "https://l.instagram.com/?u=x",
        "https://www.linkedin.com/feed/",
        "https://lnkd.in/abc",
        "https://www.reddit.com/r/news/",
        "https://old.reddit.com/r/news/",
        "https://vk.com/wall-1",
        "https://m.vk.com/",
        "https://ok.ru/group/1",
        "https://t.me/somechannel/123",
        "https://web.telegram.org/k/",
        "https://web.whatsapp.com/",
        "https://bsky.app/profile/x",
        "https://www.threads.net/@x",
        "https://mastodon.social/@x",
        "https://www.youtube.com/watch?v=x",
        "https://m.youtube.com/",
        "https://youtu.be/x",
        "https://www.tiktok.com/@x",
        "android-app://org.telegram.messenger/",
        "android-app://com.facebook.katana",
    ],
)
def test_social(referrer: str) -> None:
    assert classify_referrer(referrer, PAGE, SITE) == "social"


@pytest.mark.parametrize(
    ("referrer", "url"),
    [
        ("https://mail.google.com/", PAGE),
        ("https://mail.google.com/mail/u/0/", PAGE),
        ("https://outlook.live.com/", PAGE),
        ("https://mail.yandex.ru/", PAGE),
        ("https://e.mail.ru/inbox/", PAGE),
        ("android-app://com.google.android.gm/", PAGE),
        # an unknown referrer (a corporate webmail) with newsletter tags on the page
        ("https://owa.some-company.com/", PAGE + "?utm_medium=email"),
        ("https://owa.some-company.com/", PAGE + "?utm_source=newsletter_daily"),
    ],
)
def test_newsletter(referrer: str, url: str) -> None:
    assert classify_referrer(referrer, url, SITE) == "newsletter"


@pytest.mark.parametrize(
    ("referrer", "url", "expected"),
    [
        # a known source wins over the page's UTM tags
        ("https://t.co/x", PAGE + "?utm_medium=email", "social"),
        ("https://www.google.com/", PAGE + "?utm_medium=email", "search"),
        ("https://www.example-news.org/", PAGE + "?utm_medium=email", "internal"),
    ],
)
def test_known_sources_win_over_utm(referrer: str, url: str, expected: str) -> None:
    assert classify_referrer(referrer, url, SITE) == expected


@pytest.mark.parametrize(
    "referrer",
    [
        "https://some-blog.net/post",
        "https://mail.ru/",  # the portal, not its search (go.mail.ru) or mail (e.mail.ru)
        "https://brave.com/",  # only search.brave.com is search
        "https://googleusercontent.com/",
        "https://google.evil.com/",  # "google" followed by a non-country suffix
        "https://www.google/",
        "https://docs.example.com/google.com",  # the name in the path, not the host
        "android-app://com.slack/",
        "not a url",
        "https:///path-only",
        "mailto:someone@example.com",
    ],
)
def test_other(referrer: str) -> None:
    assert classify_referrer(referrer, PAGE, SITE) == "other"


def test_every_result_is_a_contract_label() -> None:
    referrers = [None, "https://t.co/x", "https://x.y/", "garbage", "https://google.com"]
    for referrer in referrers:
        assert classify_referrer(referrer, PAGE, SITE) in REFERRER_CLASSES
