"""Is an unknown model id a misspelling of a known one? Only when it is very nearly the same.

Model families have many real ids one version apart ("gemma-2-2b-it" and "gemma-3-27b-it",
"Qwen2.5-7B-Instruct" and "Qwen2.5-VL-7B-Instruct"), and the directory knows only a small part of
the Hub, so "close" must mean a slip of the keyboard: one letter added, dropped or changed, or
two neighbours swapped (never a digit: a different number is a different model; and not two
changed letters: "bge-small-zh" is not a misspelt "bge-small-en"), a different case, or a
missing owner. Anything else may well exist, and the request itself will tell.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterable


def _edits(a: str, b: str) -> list[tuple[str, str]]:
    """The characters that differ between ``a`` and ``b`` (pairs of old and new text)."""
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return [(a[i1:i2], b[j1:j2]) for op, i1, i2, j1, j2 in matcher.get_opcodes() if op != "equal"]


def _swapped(a: str, b: str) -> bool:
    """``b`` is ``a`` with two neighbouring letters swapped."""
    if len(a) != len(b):
        return False
    diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    if len(diff) != 2 or diff[1] != diff[0] + 1:
        return False
    i, j = diff
    return a[i] == b[j] and a[j] == b[i] and not (a[i].isdigit() or a[j].isdigit())


def _is_slip(typed: str, known: str) -> bool:
    """One letter added, dropped or changed, or two neighbours swapped; never a digit."""
    if abs(len(typed) - len(known)) > 1:
        return False
    if _swapped(typed, known):
        return True
    edits = _edits(typed, known)
    changed = sum(max(len(old), len(new)) for old, new in edits)
    return changed == 1 and not any(ch.isdigit() for old, new in edits for ch in old + new)


def close_ids(typed: str, known: Iterable[str], limit: int = 3) -> list[str]:
    """Known ids the user probably meant by ``typed``, best first; [] when none is that close."""
    ids = list(dict.fromkeys(known))
    lowered = {i.lower(): i for i in ids}
    needle = typed.strip().lower()
    if needle in lowered:
        return [lowered[needle]]  # only the case differs
    if "/" not in needle:
        # The owner left out: "llama-3.1-8b-instruct" → "meta-llama/Llama-3.1-8B-Instruct".
        tails = [i for i in ids if i.rsplit("/", 1)[-1].lower() == needle]
        if tails:
            return tails[:limit]
    # Cheap filters first (checked before every send, against thousands of cached ids): a
    # slip changes the length by at most one and the letters used by at most two.
    letters = Counter(needle)
    found = []
    for candidate in lowered:
        if abs(len(candidate) - len(needle)) > 1:
            continue
        other = Counter(candidate)
        if sum(((letters - other) + (other - letters)).values()) > 2:
            continue
        if _is_slip(needle, candidate):
            found.append(lowered[candidate])
            if len(found) >= limit:
                break
    return found
