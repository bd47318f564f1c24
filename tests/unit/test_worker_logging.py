"""The worker keeps the log level it is given (no spinner forcing DEBUG) and our loggers."""

from __future__ import annotations

import logging

from streams.app import create_app
from streams.config import Settings
from streams.worker import QuietWorker


def test_root_logger_keeps_its_level_and_streams_loggers_are_enabled() -> None:
    ours = logging.getLogger("streams.test_worker_logging")
    ours.disabled = True  # what mode's dictConfig does to loggers created before it
    root = logging.getLogger()
    before = root.level
    try:
        root.setLevel(logging.WARNING)
        worker = QuietWorker(create_app(Settings()), loglevel="warning", quiet=True)
        worker.on_setup_root_logger(root, logging.WARNING)
        assert root.level == logging.WARNING
        assert worker.spinner is None
        assert not ours.disabled
        assert not logging.getLogger("aiokafka.producer.producer").isEnabledFor(logging.DEBUG)
    finally:
        root.setLevel(before)
