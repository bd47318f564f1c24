"""Answer for the whole consumer group: ask every worker for its share and merge.

Partitions never overlap between workers, so shares add up exactly. The member URLs
come from Faust's assignor (each worker advertises its web address when it joins); a
worker that does not answer in time makes the answer `partial`, never wrong silently.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from streams.topics import ROUTED

log = logging.getLogger(__name__)

PEER_TIMEOUT = aiohttp.ClientTimeout(total=3.0)


def owned_partitions(app: Any, routed_topic: str = ROUTED) -> set[int]:
    """Partitions of the routed topic this worker actively processes."""
    return {tp.partition for tp in app.assignor.assigned_actives() if tp.topic == routed_topic}


def peer_urls(app: Any) -> list[str]:
    """Every other worker's base URL, as the group's assignor knows them."""
    me = str(app.conf.canonical_url).rstrip("/")
    urls = {str(url).rstrip("/") for url in app.router.tables_metadata()}
    urls.discard(me)
    return sorted(urls)


async def gather_shares(
    app: Any,
    path: str,
    params: dict[str, str],
    local: Callable[[], Awaitable[Any]],
) -> tuple[list[Any], list[str]]:
    """This worker's share (computed directly) and every peer's (over HTTP)."""
    peers = peer_urls(app)
    results: list[Any] = [await local()]
    missing: list[str] = []
    if not peers:
        return results, missing
    async with aiohttp.ClientSession(timeout=PEER_TIMEOUT) as session:

        async def fetch(url: str) -> Any:
            async with session.get(f"{url}{path}", params=params) as resp:
                resp.raise_for_status()
                return await resp.json()

        answers = await asyncio.gather(*(fetch(u) for u in peers), return_exceptions=True)
    for url, answer in zip(peers, answers, strict=True):
        if isinstance(answer, BaseException):
            log.warning("worker %s did not answer %s: %r", url, path, answer)
            missing.append(url)
        else:
            results.append(answer)
    return results, missing
