"""Event-time tumbling windows: which minute an event falls in, and when a minute closes.

Kafka Streams semantics on Faust's plain tables: each partition of the routed topic has a
watermark (the newest event time it has folded); the 1-minute window [m, m+1) closes when
the watermark passes its end plus the grace period. A record for a closed window is
`late`. Windows close in minute order, so one number per partition (`closed_before`:
every window that starts before it is closed) says what is closed.

A partition that goes quiet would hold its windows open forever. After `idle_seconds`
of wall-clock time without a record, the watermark is taken to have moved on with the
wall clock from the last record (as if events had kept coming in real time), so its
windows close about `grace + idle` after they end. While records flow, only event time
counts, so a replay of last week closes last week's windows as it goes and never turns
its own records into late ones. (Compare Flink's source idleness and Kafka Streams'
wall-clock punctuation.)
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def minute_of(event_time: float) -> int:
    """The window (epoch minute) an event time falls in."""
    return int(event_time // 60)


def close_before(watermark: float, grace: float) -> int:
    """Every window starting before this minute has ended at least `grace` ago."""
    return int((watermark - grace) // 60)


def idle_watermark(watermark: float, last_seen_wall: float, now_wall: float, idle: float) -> float:
    """The watermark to close windows with: moved on with the wall clock once idle."""
    quiet = now_wall - last_seen_wall
    if quiet < idle:
        return watermark
    return watermark + quiet


def rfc3339(epoch: float) -> str:
    text = datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


HISTORY = 256


def new_clock() -> dict[str, Any]:
    """A partition's watermark state: now (`t`, `m` = closed_before, as of offset `o`),
    and the history of both at the end of each recent batch, for replays."""
    return {"o": -1, "t": 0.0, "m": None, "h": [], "base": [0.0, None]}


def clock_at(clock: dict[str, Any], offset: int) -> tuple[float, int | None]:
    """The watermark and closed_before just before routed `offset` was first folded.

    A record replayed after a crash must be judged late or not exactly as it was the
    first time, not by a watermark that later records (already saved) moved on.
    """
    if offset > clock["o"]:
        return clock["t"], clock["m"]
    t, m = clock["base"]
    for last, t_after, m_after in clock["h"]:
        if last >= offset:
            break
        t, m = t_after, m_after
    return t, m


def advance(clock: dict[str, Any], last_offset: int, t: float, m: int | None) -> None:
    """Record the state after the batch that ended at `last_offset`."""
    history = clock["h"]
    if history and history[-1][0] == last_offset:
        history[-1] = [last_offset, t, m]
    else:
        history.append([last_offset, t, m])
    if len(history) > HISTORY:
        dropped = history.pop(0)
        clock["base"] = [dropped[1], dropped[2]]
    clock.update(o=last_offset, t=t, m=m)


def remember(clock: dict[str, Any], last_offset: int, t: float, m: int | None) -> bool:
    """Record the state after a replayed batch that ended inside the saved history.

    After a crash the replay may cut its batches elsewhere than the first run did. Its
    next batch starts where this one ended, and `clock_at` must know the watermark just
    there, or it falls back to an older one and judges the next records less late than
    the first run would have. Returns whether the clock changed.
    """
    history = clock["h"]
    if last_offset >= clock["o"] or not history or last_offset <= history[0][0]:
        return False  # past the history (see `advance`) or before what it still holds
    i = next(i for i, entry in enumerate(history) if entry[0] >= last_offset)
    if history[i][0] == last_offset:
        return False
    history.insert(i, [last_offset, t, m])
    if len(history) > HISTORY:
        dropped = history.pop(0)
        clock["base"] = [dropped[1], dropped[2]]
    return True


def cutoff(t: float, m: int | None, grace: float) -> int:
    """Windows starting before this minute are closed for a record seen at (t, m)."""
    c = close_before(t, grace)
    return c if m is None or m < c else m
