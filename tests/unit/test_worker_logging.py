"""The worker keeps the log level it is given (no spinner forcing DEBUG) and our loggers,
and collapses repeated warnings and errors."""

from __future__ import annotations

import logging

from streams.app import create_app
from streams.config import Settings
from streams.logrepeat import RepeatFilter
from streams.worker import QuietWorker


def test_root_logger_keeps_its_level_and_streams_loggers_are_enabled() -> None:
    ours = logging.getLogger("streams.test_worker_logging")
    ours.disabled = True  # what mode's dictConfig does to loggers created before it
    root = logging.getLogger()
    before = root.level
    handler = logging.NullHandler()  # the worker's log handler
    root.addHandler(handler)
    try:
        root.setLevel(logging.WARNING)
        worker = QuietWorker(create_app(Settings()), loglevel="warning", quiet=True)
        worker.on_setup_root_logger(root, logging.WARNING)
        assert root.level == logging.WARNING
        assert worker.spinner is None
        assert not ours.disabled
        assert not logging.getLogger("aiokafka.producer.producer").isEnabledFor(logging.DEBUG)
        # retries' repeated errors are collapsed on every handler (logrepeat.py)
        assert all(any(isinstance(f, RepeatFilter) for f in h.filters) for h in root.handlers)
    finally:
        root.setLevel(before)
        root.removeHandler(handler)
        for h in root.handlers:
            for f in [f for f in h.filters if isinstance(f, RepeatFilter)]:
                h.removeFilter(f)
