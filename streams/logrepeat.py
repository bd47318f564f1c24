"""Repeated warnings and errors collapsed to one line a message per window.

While the broker is away every Kafka client retries each 100 ms and logs the same
error each time: 30 to 60 lines a second, which bury whatever else the log says and
fill a disk during a long outage. A line of level WARNING or above is let through the
first time its message (the logger, the level and the format string, not its
arguments) is seen in a window; the others of that window are counted, and the next
one let through says how many were held back. Nothing below WARNING is touched.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

WINDOW_SECONDS = 10.0
#: distinct messages remembered; past this, those whose window is over are forgotten
#: (messages formatted before logging, with their values in the text, are all distinct)
MAX_MESSAGES = 1024

Key = tuple[str, int, str]


class RepeatFilter(logging.Filter):
    """A handler filter: see the module docstring."""

    def __init__(
        self,
        window: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        max_messages: int = MAX_MESSAGES,
    ) -> None:
        super().__init__()
        self.window = window
        self.clock = clock
        self.max_messages = max_messages
        #: message -> [start of its window, lines held back in it]
        self.seen: dict[Key, list[float]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        decided: bool | None = getattr(record, "pulse_repeat", None)
        if decided is None:  # the first handler to ask; the others get the same answer
            decided = record.pulse_repeat = self._decide(record)
        return decided

    def _decide(self, record: logging.LogRecord) -> bool:
        key = (record.name, record.levelno, str(record.msg))
        now = self.clock()
        state = self.seen.get(key)
        if state is not None and now - state[0] < self.window:
            state[1] += 1
            return False
        held = int(state[1]) if state is not None else 0
        if state is None and len(self.seen) >= self.max_messages:
            self._forget(now)
        self.seen[key] = [now, 0]
        if held:
            # appended to the format string, so that %-arguments still apply; the text
            # holds no "%" of its own
            record.msg = f"{record.msg} [{held} more like this in the last {self.window:g} s]"
        return True

    def _forget(self, now: float) -> None:
        """Drop the messages whose window is over (their held counts are lost)."""
        self.seen = {k: v for k, v in self.seen.items() if now - v[0] < self.window}
        if len(self.seen) >= self.max_messages:  # all of them within one window
            self.seen.clear()


def collapse_repeats(logger: logging.Logger, repeat: RepeatFilter | None = None) -> RepeatFilter:
    """Put one `RepeatFilter` on every handler of `logger` (the root: records of every
    logger reach its handlers, but a logger's own filters see only its own records)."""
    repeat = repeat or RepeatFilter()
    for handler in logger.handlers:
        if not any(isinstance(f, RepeatFilter) for f in handler.filters):
            handler.addFilter(repeat)
    return repeat
