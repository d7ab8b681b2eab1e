"""Judging free text: "meaningful text", copied text, phrase look-ups, quoting text.

RULES.md, "Shared definitions", *Meaningful text*: after trimming, not blank, not a
placeholder, and at least ``min_words`` words, a word being a run of characters between
white space. Placeholders match the whole value (case-insensitive, ignoring surrounding
punctuation), never a part of it.

All functions are vectorised over a Series and return Series on the same index. Missing
values (NaN / ``<NA>``) are never meaningful and never contain a phrase.

Regular expressions run on Python-backed strings on purpose: pandas would otherwise hand
Arrow-backed strings to RE2, whose ``\\s``/``\\w`` are ASCII-only, and a non-breaking space
pasted from Word would then join two words together.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Sequence

import pandas as pd

DEFAULT_PLACEHOLDERS: tuple[str, ...] = (
    "n/a",
    "na",
    "none",
    "nil",
    "-",
    ".",
    "see above",
    "as above",
    "see previous",
    "as before",
    "same as before",
    "same as previous",
    "tbc",
    "to follow",
    "unknown",
    "not known",
    "not recorded",
    "no views",
    "see case notes",
)

# Python's \s is Unicode-aware (non-breaking space, line and paragraph separators, ...).
_WHITESPACE_RUN = r"\s+"

# What "surrounding punctuation" means when matching placeholders: ASCII punctuation plus
# the typographic marks Word and case systems substitute (curly quotes, dashes, ellipsis,
# bullet), and white space so "N/A ." and "( none )" reduce to the placeholder.
_SURROUNDING = (
    string.punctuation
    + string.whitespace
    + "\u00a0\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u2022\u00b7"
)

_PYTHON_STRING = pd.StringDtype(storage="python")


def _as_python_strings(text: pd.Series) -> pd.Series:
    """The values as Python-backed strings with ``<NA>`` for missing (see module docstring)."""
    return text.astype(_PYTHON_STRING)


def _squash(text: pd.Series) -> pd.Series:
    """Trimmed, with every inner run of white space (newlines included) made one space."""
    return _as_python_strings(text).str.replace(_WHITESPACE_RUN, " ", regex=True).str.strip()


def _placeholder_key(squashed: pd.Series | Iterable[str]) -> pd.Series:
    """Case-folded, surrounding punctuation removed: the form placeholders are compared in.

    A value made only of punctuation ("-", "...", "--") reduces to the empty string, which is
    also what the placeholders "-" and "." reduce to, so it counts as a placeholder whenever
    the list has either of them.
    """
    values = squashed if isinstance(squashed, pd.Series) else pd.Series(list(squashed))
    return _squash(values).str.casefold().str.strip(_SURROUNDING)


def is_meaningful(
    text: pd.Series,
    placeholders: Sequence[str] = DEFAULT_PLACEHOLDERS,
    min_words: int = 3,
) -> pd.Series:
    """True where the text is meaningful (see module docstring); a plain ``bool`` Series.

    ``"n/a."`` and ``"N/A"`` are placeholders; ``"n/a because the child was asleep"`` is not
    (it is judged on its word count instead). Words are runs of non-white-space characters,
    so ``"Happy\\nat\\nschool"`` is three words.
    """
    squashed = _squash(text)
    placeholder_keys = set(_placeholder_key(placeholders).dropna())
    is_placeholder = _placeholder_key(squashed).isin(placeholder_keys)
    # After _squash, words are separated by exactly one space.
    words = squashed.str.count(" ") + 1
    enough_words = words >= min_words
    meaningful = squashed.ne("") & ~is_placeholder & enough_words
    return meaningful.fillna(False).astype(bool)


def comparable_text(text: pd.Series) -> pd.Series:
    """Text in the form used to spot word-for-word copies: case-folded, trimmed, inner runs
    of white space made one space; punctuation kept.

    Returned in pandas' default ``str`` dtype, where missing is NaN, so comparing two
    missing values with ``==`` gives False: absent views are never "copied".
    """
    return _squash(text).str.casefold().astype("str")


def one_line(text: pd.Series) -> pd.Series:
    """The text with every run of white space (newlines included) made one space, for
    quoting a value inside a one-line detail. Not trimmed, so the quote shows what was typed
    (``" n/a "`` stays ``" n/a "``). A ``string`` Series; missing stays missing.
    """
    return _as_python_strings(text).str.replace(_WHITESPACE_RUN, " ", regex=True).astype("string")


def contains_any_phrase(text: pd.Series, phrases: Sequence[str]) -> pd.Series:
    """True where the text contains at least one phrase, case-insensitively, as whole words.

    Word boundary on both ends: the phrase ``"reflect"`` matches "we reflect on" and
    "reflect." but not "reflection" or "unreflective". A space inside a phrase matches any
    run of white space ("case  reflection", "case\\nreflection"). Phrases are escaped, so
    punctuation in them is literal. Blank phrases are ignored; no phrases → all False.
    """
    words_of_phrases = [p.split() for p in phrases if p and p.strip()]
    if not words_of_phrases:
        return pd.Series(False, index=text.index, dtype=bool)
    alternatives = "|".join(
        _WHITESPACE_RUN.join(re.escape(word) for word in words) for words in words_of_phrases
    )
    # Lookarounds rather than \b so a phrase that starts or ends with punctuation still
    # needs a non-word character (or the text's edge) next to it.
    pattern = rf"(?<!\w)(?:{alternatives})(?!\w)"
    found = _as_python_strings(text).str.contains(pattern, flags=re.IGNORECASE, regex=True)
    return found.fillna(False).astype(bool)
