"""Which partition of the routed topic a key belongs to: Kafka's own default partitioner.

The router picks the partition itself (murmur2 of the key, as Java clients do), so the
API can find an article's partition without asking Kafka, whatever producer settings.
"""

from __future__ import annotations

from functools import lru_cache

from aiokafka.partitioner import murmur2


@lru_cache(maxsize=65536)  # murmur2 is pure Python; route keys (articles) repeat a lot
def partition_for(key: bytes, partitions: int) -> int:
    return int(murmur2(key) & 0x7FFFFFFF) % partitions
