"""Judging free text: "meaningful text", copied text, phrase look-ups, quoting text.

Shared definitions (the rule reference, docs/rules.md), *Meaningful text*: after trimming,
not blank, not a placeholder, and at least ``min_words`` words, a word being a run of
characters between white space. Placeholders match the whole value (case-insensitive,
ignoring surrounding punctuation), never a part of it.

All functions are vectorised over a Series and return Series on the same index. Missing
values (NaN / ``<NA>``) are never meaningful and never contain a phrase.

White space is Unicode white space throughout (a non-breaking space pasted from Word
separates words). Trimming, splitting into words, folding case and matching placeholders run
as Arrow compute kernels over the whole column, which keeps the rules fast on a county's
records; only phrase matching, which needs look-arounds, uses Python's ``re``.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Sequence

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# The defaults of the run's text policy (``[text]`` in ``audit.toml``), defined here once.
DEFAULT_MIN_WORDS = 3
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
_SPACE = pa.scalar(" ", pa.large_string())


def _as_python_strings(text: pd.Series) -> pd.Series:
    """The values as Python-backed strings with ``<NA>`` for missing, for Python ``re``."""
    return text.astype(_PYTHON_STRING)


def _arrow(values: pd.Series | Iterable[str]) -> pa.Array:
    """The values as an Arrow string array, missing as null."""
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    return pa.array(series.astype("string[pyarrow]"), type=pa.large_string())


def _words(text: pa.Array) -> pa.Array:
    """Each value's words: runs of Unicode non-white-space, surrounding space trimmed."""
    return pc.utf8_split_whitespace(pc.utf8_trim_whitespace(text))


def _squashed(text: pa.Array) -> pa.Array:
    """Trimmed, with every inner run of white space (newlines included) made one space."""
    return pc.binary_join(_words(text), _SPACE)


def _placeholder_keys(squashed: pa.Array) -> pa.Array:
    """Case-folded, surrounding punctuation removed: the form placeholders are compared in.

    A value made only of punctuation ("-", "...", "--") reduces to the empty string, which is
    also what the placeholders "-" and "." reduce to, so it counts as a placeholder whenever
    the list has either of them.
    """
    return pc.utf8_trim(pc.utf8_lower(squashed), characters=_SURROUNDING)


def _bools(values: pa.Array, index: pd.Index) -> pd.Series:
    return pd.Series(
        pc.fill_null(values, False).to_numpy(zero_copy_only=False), index=index, dtype=bool
    )


def is_meaningful(
    text: pd.Series,
    placeholders: Sequence[str] = DEFAULT_PLACEHOLDERS,
    min_words: int = DEFAULT_MIN_WORDS,
) -> pd.Series:
    """True where the text is meaningful (see module docstring); a plain ``bool`` Series.

    ``"n/a."`` and ``"N/A"`` are placeholders; ``"n/a because the child was asleep"`` is not
    (it is judged on its word count instead). Words are runs of non-white-space characters,
    so ``"Happy\\nat\\nschool"`` is three words.
    """
    words = _words(_arrow(text))
    squashed = pc.binary_join(words, _SPACE)
    known = _placeholder_keys(_squashed(_arrow([p for p in placeholders if p is not None])))
    is_placeholder = pc.is_in(_placeholder_keys(squashed), value_set=known.drop_null())
    meaningful = pc.and_(
        pc.and_(pc.not_equal(squashed, ""), pc.invert(is_placeholder)),
        pc.greater_equal(pc.list_value_length(words), min_words),
    )
    return _bools(meaningful, text.index)


def comparable_text(text: pd.Series) -> pd.Series:
    """Text in the form used to spot word-for-word copies: case-folded, trimmed, inner runs
    of white space made one space; punctuation kept.

    Returned in pandas' default ``str`` dtype, where missing is NaN, so comparing two
    missing values with ``==`` gives False: absent views are never "copied".
    """
    folded = pc.utf8_lower(_squashed(_arrow(text)))
    return pd.Series(pd.array(folded, dtype="str"), index=text.index)


def one_line(text: pd.Series) -> pd.Series:
    """The text with every run of white space (newlines included) made one space, for
    quoting a value inside a one-line detail. Not trimmed, so the quote shows what was typed
    (``" n/a "`` stays ``" n/a "``). A ``string`` Series; missing stays missing.
    """
    # Splitting the untrimmed text keeps an empty word at each padded end, so joining
    # again leaves a single space there.
    joined = pc.binary_join(pc.utf8_split_whitespace(_arrow(text)), _SPACE)
    return pd.Series(pd.array(joined, dtype="string[pyarrow]"), index=text.index)


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
