"""A compiled fast path for the common price spellings (``1 234,50``, ``1234.5``, ``99``).

It accepts only text whose reading is unambiguous and equal to the full parser's
(``_values._price_batch``): digits, separators the full parser removes anywhere (spaces, no-break
spaces, apostrophes), at most one ``,`` or ``.`` followed by one or two digits, a positive value
of at most 12 integer digits. Everything else (currency words, ``1.234,56``, zero, three decimals,
nulls) is marked for the full parser, which stays the single source of truth for the rules.
"""

from __future__ import annotations

import numpy as np

from partsearch._jit import njit


@njit(cache=True, nogil=True)
def fast_prices(offsets: np.ndarray, data: np.ndarray, valid: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
    """(kopecks, ok) per row; ``ok`` False means "ask the full parser"."""
    n = offsets.size - 1
    kop = np.zeros(n, dtype=np.int64)
    ok = np.zeros(n, dtype=np.bool_)
    for r in range(n):
        if not valid[r]:
            continue
        i, end = offsets[r], offsets[r + 1]
        whole = 0
        n_int = 0
        frac = 0
        n_frac = 0
        seen_sep = False
        any_int = False
        good = True
        while i < end:
            b = data[i]
            if 48 <= b <= 57:
                if seen_sep:
                    frac = frac * 10 + (b - 48)
                    n_frac += 1
                else:
                    any_int = True
                    whole = whole * 10 + (b - 48)
                    n_int += 1  # (leading zeros too: the full parser counts every digit)
                i += 1
            elif b == 32 or b == 9 or b == 39:  # space, tab, apostrophe: removed anywhere
                i += 1
            elif b == 0xC2 and i + 1 < end and data[i + 1] == 0xA0:  # U+00A0
                i += 2
            elif b == 0xE2 and i + 2 < end and data[i + 1] == 0x80 and \
                    (data[i + 2] == 0xAF or data[i + 2] == 0x89):  # U+202F, U+2009
                i += 3
            elif (b == 44 or b == 46) and not seen_sep:  # one ',' or '.'
                seen_sep = True
                i += 1
            else:
                good = False
                break
        if not good or not any_int or n_int > 12 or (seen_sep and not 1 <= n_frac <= 2):
            continue
        if n_frac == 1:
            frac *= 10
        value = whole * 100 + frac
        if value <= 0:
            continue
        kop[r] = value
        ok[r] = True
    return kop, ok
