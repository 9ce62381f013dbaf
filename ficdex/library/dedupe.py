"""Near-duplicate stories: the same fic saved twice, or reposted with edits.

Identical prose already shares a work id (a hash of the text); this finds
stories whose prose is *almost* the same.  Each text becomes a MinHash
signature over 5-word shingles; the share of equal signature slots estimates
the Jaccard similarity of the two shingle sets.  Signatures are cut into
bands (locality-sensitive hashing) and the band hashes go in an indexed
table, so finding the candidates for a new work is an index lookup, not a
comparison with every work in the library.

With 128 slots in 16 bands of 8, two texts at Jaccard 0.7 share a band with
probability 0.5 and at 0.9 with probability 0.99; candidates are then kept
only if their estimated similarity is at least `THRESHOLD`.  Changing a word
changes the 5 shingles over it, so a 1,000-word story with a dozen small
edits still scores about 0.9.
"""

from __future__ import annotations

import hashlib
import re
import zlib

import numpy as np

NUM_PERM = 128
BANDS = 16
ROWS = NUM_PERM // BANDS
SHINGLE = 5
THRESHOLD = 0.7

_MERSENNE = np.uint64((1 << 61) - 1)
_MAX32 = np.uint64(0xFFFFFFFF)
# Fixed seed: signatures are stored, so every process must draw the same
# permutations.  a < 2**31 and x < 2**32 keep a*x + b inside 64 bits.
_rng = np.random.RandomState(20240606)
_A = _rng.randint(1, 1 << 31, size=NUM_PERM, dtype=np.int64).astype(np.uint64)
_B = _rng.randint(0, 1 << 31, size=NUM_PERM, dtype=np.int64).astype(np.uint64)
_WORD = re.compile(r"\w+", re.UNICODE)


def shingles(text: str, k: int = SHINGLE) -> set[str]:
    """k-word shingles of the lower-cased words; a text shorter than k words
    is one shingle, so a drabble still gets a signature."""
    words = _WORD.findall(text.lower())
    if not words:
        return set()
    if len(words) < k:
        return {" ".join(words)}
    return {" ".join(words[i : i + k]) for i in range(len(words) - k + 1)}


def _hash32(s: str) -> int:
    # CRC-32: fast, in the standard library, and the same in every process;
    # the permutations below do the mixing a MinHash needs.
    return zlib.crc32(s.encode("utf-8"))


def signature(text: str) -> np.ndarray | None:
    """The MinHash signature (NUM_PERM uint32 values), None for no words."""
    sh = shingles(text)
    if not sh:
        return None
    x = np.fromiter((_hash32(s) for s in sh), dtype=np.uint64, count=len(sh))
    # One row per permutation, min over shingles; chunks bound the memory a
    # novel-length text needs.
    out = np.full(NUM_PERM, _MAX32, dtype=np.uint64)
    for i in range(0, len(x), 4096):
        chunk = x[i : i + 4096]
        h = (np.outer(_A, chunk) + _B[:, None]) % _MERSENNE & _MAX32
        out = np.minimum(out, h.min(axis=1))
    return out.astype(np.uint32)


def to_bytes(sig: np.ndarray) -> bytes:
    return sig.astype("<u4").tobytes()


def from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<u4")


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of the two texts' shingle sets."""
    return float(np.mean(a == b))


def band_hashes(sig: np.ndarray) -> list[tuple[int, int]]:
    """(band, hash) pairs; hashes are signed 63-bit so both SQLite INTEGER
    and PostgreSQL BIGINT hold them."""
    out = []
    raw = sig.astype("<u4")
    for band in range(BANDS):
        chunk = raw[band * ROWS : (band + 1) * ROWS].tobytes()
        h = int.from_bytes(hashlib.blake2b(chunk, digest_size=8).digest(), "little") >> 1
        out.append((band, h))
    return out


def groups(pairs: list[tuple[str, str]]) -> list[list[str]]:
    """Connected groups from similar pairs (union-find), each sorted, the
    groups sorted by their first id."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    out: dict[str, list[str]] = {}
    for x in parent:
        out.setdefault(find(x), []).append(x)
    return sorted((sorted(g) for g in out.values() if len(g) > 1), key=lambda g: g[0])
