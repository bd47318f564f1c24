"""Repeated warnings and errors are collapsed to one line a message per window, and
the next line says how many were held back (streams/logrepeat.py)."""

from __future__ import annotations

import logging

import pytest

from streams.logrepeat import RepeatFilter, collapse_repeats


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.levelname} {record.getMessage()}")


Setup = tuple[logging.Logger, Lines, Lines, Clock]


@pytest.fixture
def setup() -> Setup:
    logger = logging.getLogger("test.logrepeat")
    logger.handlers.clear()
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    first, second = Lines(), Lines()
    logger.addHandler(first)
    logger.addHandler(second)
    clock = Clock()
    collapse_repeats(logger, RepeatFilter(window=10.0, clock=clock, max_messages=50))
    return logger, first, second, clock


def test_an_error_repeated_in_a_window_is_one_line_then_a_count(setup: Setup) -> None:
    logger, first, second, clock = setup
    for i in range(40):  # an aiokafka retry every 100 ms: 4 seconds
        logger.error("Unable connect to node with id %s: attempt %d", 1, i)
        clock.now += 0.1
    assert first.lines == ["ERROR Unable connect to node with id 1: attempt 0"]
    clock.now += 6.0  # the window is over
    logger.error("Unable connect to node with id %s: attempt %d", 1, 40)
    assert first.lines[1:] == [
        "ERROR Unable connect to node with id 1: attempt 40 [39 more like this in the last 10 s]"
    ]
    assert second.lines == first.lines  # every handler lets the same records through


def test_other_messages_levels_and_loggers_are_their_own(setup: Setup) -> None:
    logger, first, _, _ = setup
    logger.error("a %s", "x")
    logger.error("b %s", "x")
    logger.warning("a %s", "x")
    logging.getLogger("test.logrepeat.child").error("a %s", "x")  # propagates to the handlers
    logger.error("a %s", "y")  # the same message with other values: held back
    assert first.lines == ["ERROR a x", "ERROR b x", "WARNING a x", "ERROR a x"]


def test_info_and_debug_are_never_held_back(setup: Setup) -> None:
    logger, first, _, _ = setup
    for _ in range(3):
        logger.info("ready")
        logger.debug("fetch")
    assert first.lines == ["INFO ready", "DEBUG fetch"] * 3


def test_a_percent_sign_in_the_message_still_formats(setup: Setup) -> None:
    logger, first, _, clock = setup
    logger.warning("lag at %d%%", 90)
    logger.warning("lag at %d%%", 91)
    clock.now += 10.0
    logger.warning("lag at %d%%", 92)
    assert first.lines == [
        "WARNING lag at 90%",
        "WARNING lag at 92% [1 more like this in the last 10 s]",
    ]


def test_distinct_messages_are_bounded(setup: Setup) -> None:
    logger, first, _, clock = setup
    repeat = next(f for f in logger.handlers[0].filters if isinstance(f, RepeatFilter))
    for i in range(500):  # values formatted into the text: each line its own message
        logger.error(f"offset {i} out of range")
        clock.now += 0.01
        assert len(repeat.seen) <= 50
    assert len(first.lines) == 500  # none of them was a repeat


def test_collapse_repeats_adds_one_filter_per_handler() -> None:
    logger = logging.getLogger("test.logrepeat.once")
    logger.handlers.clear()
    handler = Lines()
    logger.addHandler(handler)
    collapse_repeats(logger)
    collapse_repeats(logger)
    assert sum(isinstance(f, RepeatFilter) for f in handler.filters) == 1
