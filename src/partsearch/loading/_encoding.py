"""Which encoding a price file that is not UTF-8 is in: cp1251, KOI8-R or cp866 (a DOS program's
export), told by how Russian its Cyrillic letters are; and UTF-16 without its BOM, told by its
NULs. One sample of the file's bytes, once: the usual cp1251 file costs a 64 KiB count.

The three single-byte encodings map the same bytes to different letters (KOI8-R is ordered by
sound, cp1251 by the alphabet, cp866 puts half of its lower case where cp1251 has capitals), so
the decoding whose letters follow Russian letter frequencies is the file's. Case is folded:
KOI8 read as cp1251 comes out in inverted case, but so does nothing tell an all-caps cp1251
file (``ФИЛЬТР МАСЛЯНЫЙ``) from it; the letters themselves do.

>>> single_byte("Фильтр масляный, колодки тормозные".encode("koi8-r"))
'koi8-r'
>>> single_byte("ФИЛЬТР МАСЛЯНЫЙ".encode("cp1251"))  # (too few letters to leave cp1251)
'cp1251'
"""

from __future__ import annotations

import codecs
from functools import cache

import numpy as np

__all__ = ["GUESSED", "SAMPLE", "single_byte", "utf16_order"]

#: letters per 100 in Russian text (ё counted as е), the national corpus's unigram counts
_FREQUENCY = {
    "о": 10.97, "е": 8.49, "а": 8.01, "и": 7.35, "н": 6.70, "т": 6.26, "с": 5.47, "р": 4.73,
    "в": 4.54, "л": 4.40, "к": 3.49, "м": 3.21, "д": 2.98, "п": 2.81, "у": 2.62, "я": 2.01,
    "ы": 1.90, "ь": 1.74, "г": 1.70, "з": 1.65, "б": 1.59, "ч": 1.44, "й": 1.21, "х": 0.97,
    "ж": 0.94, "ш": 0.73, "ю": 0.64, "ц": 0.48, "щ": 0.36, "э": 0.32, "ф": 0.26, "ъ": 0.04,
}
#: how often a non-ASCII character that is no Russian letter is met: cp1251's «», №, — and
#: the like in a cp1251 file; the box drawing or Ђ‹ a misread one shows
_OTHER = 0.1
_CANDIDATES = ("cp1251", "koi8-r", "cp866")  # cp1251 first: the default, kept on a tie
#: another decoding is chosen over cp1251 when it makes the sample likelier by a factor of
#: e^_EVIDENCE in all and of e^_MARGIN a non-ASCII byte, over at least _LETTERS letters: KOI8's
#: Russian gains ~0.65 a letter read so rather than as cp1251 (cp866's ~3), with a spread of ~1.2,
#: so a cp1251 sample of any length gets there by chance about once in 10^5 (and repeating
#: words, as a price file does, cannot tip a long one over the margin); a file of a few words
#: stays cp1251
_EVIDENCE = 10.0
_MARGIN = 0.3
_LETTERS = 20
SAMPLE = 1 << 16  # bytes looked at, from the file's first non-ASCII one
#: the encodings only a sample tells (a profile draft names them, so a load need not guess)
GUESSED = ("koi8-r", "cp866", "utf-16-le", "utf-16-be")


@cache
def _weights(encoding: str) -> tuple[np.ndarray, np.ndarray]:
    """Per byte value, the log-likelihood of the character ``encoding`` decodes it to (0 for
    ASCII, which every candidate reads alike), and whether that is a Russian letter."""
    total = sum(_FREQUENCY.values()) + _OTHER
    weight = np.zeros(256)
    letter = np.zeros(256, dtype=bool)
    for b in range(0x80, 0x100):
        char = bytes([b]).decode(encoding, "replace").lower().replace("ё", "е")
        letter[b] = char in _FREQUENCY
        weight[b] = np.log(_FREQUENCY.get(char, _OTHER) / total)
    return weight, letter


def single_byte(sample: bytes) -> str:
    """The encoding of the candidates (``cp1251``, ``koi8-r``, ``cp866``) whose decoding of
    ``sample`` is the most Russian, by the log-likelihood of its non-ASCII characters under
    Russian letter frequencies; cp1251 unless another is clearly better (see
    :data:`_EVIDENCE`): a short sample does not tell."""
    raw = np.frombuffer(sample, dtype=np.uint8)
    # Only bytes in words (a run of two non-ASCII bytes or more) are scored: a lone one is the
    # «», — or № of a cp1251 file written in Latin (Spark plug «Super», a delivery of —), which
    # cp866 reads as л, ╗, Ч and KOI8 as box drawing, and which, row after row, outscored the
    # header's cp1251 Russian, misread in turn. A Russian word is a run in every encoding.
    high_byte = raw >= 0x80
    in_word = high_byte.copy()
    in_word[1:-1] &= high_byte[:-2] | high_byte[2:]
    if raw.size:
        in_word[0] &= raw.size > 1 and bool(high_byte[1])
        in_word[-1] &= raw.size > 1 and bool(high_byte[-2])
    counts = np.bincount(raw[in_word], minlength=256)
    high = int(counts[0x80:].sum())
    if not high:
        return _CANDIDATES[0]
    scores = {}
    for encoding in _CANDIDATES:
        weight, letter = _weights(encoding)
        scores[encoding] = (float(counts @ weight) / high, int(counts[letter].sum()))
    base = scores[_CANDIDATES[0]][0]
    best = max(_CANDIDATES[1:], key=lambda e: scores[e][0])
    score, letters = scores[best]
    gain = score - base
    clear = gain >= _MARGIN and gain * high >= _EVIDENCE and letters >= _LETTERS
    return best if clear else _CANDIDATES[0]


def utf16_order(head: bytes) -> str | None:
    """``utf-16-le`` or ``utf-16-be`` when ``head`` (a file's first bytes) is UTF-16 without a
    BOM, as its NULs tell: ASCII in UTF-16 has one every other byte, on the side of its byte
    order (a price file's digits, delimiters and line ends make an eighth of its characters
    at least), and a text file in any other encoding has none, or a stray few; None
    otherwise."""
    if b"\0" not in head:  # (the usual file: one scan of its head)
        return None
    head = head[: len(head) // 2 * 2]
    odd, even = head[1::2].count(0), head[0::2].count(0)
    order = "utf-16-le" if odd > even else "utf-16-be"
    if 8 * max(odd, even) < max(len(head) // 2, 16, 64 * min(odd, even)):
        return None  # (a stray NUL or two, or NULs on both sides: binary)
    try:  # (a character cut at the head's end is no objection)
        codecs.getincrementaldecoder(order)().decode(head, final=False)
    except UnicodeDecodeError:
        return None
    return order
