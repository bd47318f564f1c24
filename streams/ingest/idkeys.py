"""How event ids and router sources become the integers the dedup index keeps.

What one id costs is most of the worker's memory (an hour of ids: 1.1 million at a big
site's peak), so ids and sources are kept as integers where they are exactly
representable: a canonical UUID as its 128-bit value, a source "topic/partition/
offset" with the routed offset in one int. Anything else keeps its string. Split from
dedup.py, which decides what an id is (new, replay, copy, duplicate) and keeps them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from streams.topics import INPUT_TOPICS

_STREAM = {topic: i for i, topic in enumerate(INPUT_TOPICS)}
OFFSET_SHIFT = 64  # routed offset above the source code (stream, partition, offset)
_SOURCE_MASK = (1 << OFFSET_SHIFT) - 1
Key = int | str
Seen = int | tuple[int, str]  # packed (routed offset, source), or the pair as is


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_DASHES = (8, 13, 18, 23)
#: "topic/partition" of a router source: no leading zeros, so that the ints below give
#: back the very same string
_PREFIX = re.compile(r"([a-z.-]+)/(0|[1-9][0-9]{0,3})")
#: the code of each valid "topic/partition" seen (at most 4 * 2048 of them), so that a
#: source costs a dict lookup and an int parse, not a regex
_PREFIX_CODES: dict[str, int] = {}
_MAX_OFFSET_DIGITS = 15  # "0|[1-9][0-9]{0,14}": and int() of a huge string would raise


def id_key(identity: str) -> Key:
    """A canonical lower-case UUID as its integer (44 bytes, not 85); others as given."""
    if _UUID.fullmatch(identity):
        return int(identity.replace("-", ""), 16)
    return identity


def _uuid_bytes(names: Sequence[str]) -> bytes | None:
    """The names' 16 bytes each if every one (all 36 characters long) is a canonical
    UUID, else None: checked and converted by a few C loops over the joined batch, not a
    regex and an int parse per name."""
    n = len(names)
    joined = "".join(names)
    dashes = "-" * n
    if len(joined) != 36 * n or any(joined[i::36] != dashes for i in _DASHES):
        return None
    digits = joined.replace("-", "")
    if len(digits) != 32 * n:  # a dash elsewhere too
        return None
    try:
        raw = bytes.fromhex(digits)
    except ValueError:
        return None
    return raw if raw.hex() == digits else None  # fromhex takes upper case and spaces


def id_keys(
    identities: Sequence[str],
) -> tuple[dict[str, Key], list[int], npt.NDArray[np.uint64]]:
    """`id_key` of a batch's identities at once (a third of the cost), as {identity: key};
    also the int keys and their (high, low) 64-bit halves, for `FrozenIds.find`."""
    if set(map(len, identities)) <= {36}:
        names = identities
    else:
        names = [s for s in identities if len(s) == 36]
    raw = _uuid_bytes(names)
    if raw is None:  # some are not canonical: sort them out one by one
        names = [s for s in names if _UUID.fullmatch(s)]
        raw = bytes.fromhex("".join(names).replace("-", ""))
    halves = np.frombuffer(raw, dtype=">u8").reshape(len(names), 2).astype(np.uint64)
    high, low = halves[:, 0].tolist(), halves[:, 1].tolist()
    ints = [(h << 64) | lo for h, lo in zip(high, low, strict=True)]
    keys: dict[str, Key] = {} if len(names) == len(identities) else {s: s for s in identities}
    keys.update(zip(names, ints, strict=True))
    return keys, ints, halves


def _prefix_code(prefix: str) -> int | None:
    """The code of a valid "topic/partition" (remembered), else None."""
    match = _PREFIX.fullmatch(prefix)
    if match is None:
        return None
    topic, partition = match.groups()
    stream, p = _STREAM.get(topic), int(partition)
    if stream is None or p >= 2048:
        return None
    code = _PREFIX_CODES[prefix] = (stream << 59) | (p << 48)
    return code


def source_code(source: str) -> int | None:
    """ "topic/partition/offset" of an input record as one int, or None if it is not
    exactly that: "([a-z.-]+)/(0|[1-9][0-9]{0,3})/(0|[1-9][0-9]{0,14})", a known topic,
    a partition under 2048 and an offset under 2**48."""
    prefix, _, offset = source.rpartition("/")  # no part of a router source holds a "/"
    code = _PREFIX_CODES.get(prefix)
    if code is None:
        code = _prefix_code(prefix)
        if code is None:
            return None
    if (
        offset.isdigit()  # not empty
        and offset.isascii()
        and len(offset) <= _MAX_OFFSET_DIGITS
        and (offset[0] != "0" or len(offset) == 1)
    ):
        o = int(offset)
        if o < 1 << 48:
            return code | o
    return None


def seen_value(offset: int, source: str) -> Seen:
    code = source_code(source)
    return (offset, source) if code is None else (offset << OFFSET_SHIFT) | code


def first_routed_offset(seen: Seen) -> int:
    return seen[0] if isinstance(seen, tuple) else seen >> OFFSET_SHIFT


def same_source(seen: Seen, source: str) -> bool:
    if isinstance(seen, tuple):
        return seen[1] == source
    return source_code(source) == seen & _SOURCE_MASK
