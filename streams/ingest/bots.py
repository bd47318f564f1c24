"""Known-bot detection for page views' user agents.

A page view whose ``user_agent`` matches is a bot view: counted apart, never as
readership. A prefix check and one precompiled regex over the lower-cased user agent
(10 to 15 µs for a typical browser), behind an LRU cache: user agents repeat heavily (a
handful of browser builds cover most readers), so the steady-state cost is a dict lookup.

The generic tokens carry most of the weight: ``bot`` alone covers Googlebot, bingbot,
YandexBot, Applebot, AdsBot-Google, Twitterbot, Slackbot, Discordbot, TelegramBot,
AhrefsBot, SemrushBot, MJ12bot, PetalBot, GPTBot, ClaudeBot, CCBot, PerplexityBot,
DataForSeoBot, UptimeRobot, archive.org_bot and friends; ``spider`` covers Baiduspider
and Bytespider; ``+http`` covers the many fetchers that sign with a contact URL (no
browser does). The rest are named tools whose user agents say neither.

A missing user agent is not evidence: ``None`` and ``""`` are not bots. In-app browsers
(Facebook's ``FBAN``/``FBAV``, Instagram, Telegram) are real readers and do not match.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

__all__ = ["is_bot"]

# Tools that announce themselves only by a leading product token. "Bare" matters for
# OkHttp: Android apps that embed it behind a full browser user agent are readers.
_BOT_PREFIXES: Final = ("python/", "curl/", "wget/", "okhttp/", "java/", "axios/")

# One alternation, searched in the lower-cased user agent; related names are factored
# so that the engine tries fewer branches per position.
_BOT_PATTERN: Final = re.compile(
    "|".join(
        (
            r"(?<!cu)bot",  # but not the CUBOT phone brand ("Android 9; CUBOT P30")
            r"crawl",
            r"spider",
            r"slurp",
            r"headless",  # HeadlessChrome, Headless Firefox builds
            r"\+https?:",  # "+http://www.google.com/bot.html": a contact URL
            r"python-",  # python-requests, python-urllib, python-httpx
            r"aiohttp/",
            r"httpx/",
            r"go-http-client",
            r"apache-httpclient",
            r"libwww-perl",
            r"node-fetch",
            r"scrapy",
            r"phantomjs",
            r"facebook(?:externalhit|catalog)",
            r"meta-externalagent",
            r"whatsapp/",
            r"preview",  # BingPreview, SkypeUriPreview, Google Web Preview, ...
            r"embedly",
            r"iframely",
            r"vkshare",
            r"cardyb",  # Bluesky's link-card fetcher
            r"mediapartners-google",
            r"google-(?:inspectiontool|read-aloud)",
            r"feedfetcher",
            r"lighthouse",
            r"pingdom",
            r"monitoring",
            r"site24x7",
            r"statuscake",
            r"ia_archiver",
            r"yandex\.com/bots",  # YandexImages, YandexMetrika, YandexFavicons, ...
        )
    )
)


@lru_cache(maxsize=8192)
def is_bot(user_agent: str | None) -> bool:
    """Whether ``user_agent`` is a known bot, crawler, link previewer or HTTP tool."""
    if not user_agent:
        return False
    lowered = user_agent.lower()
    return lowered.startswith(_BOT_PREFIXES) or _BOT_PATTERN.search(lowered) is not None
