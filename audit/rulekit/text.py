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
from collections.abc import Callable, Iterable, Sequence

from audit.arrow import WHITE_SPACE, encoded
from audit.lazy import np, pa, pc, pd

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

# Unicode white space (audit.arrow.WHITE_SPACE) written out for RE2, whose \s is ASCII only.
_WS = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in WHITE_SPACE) + "]"
_WS_NOT_SPACE = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in WHITE_SPACE if c != " ") + "]"
# Text that squashing changes: white space at an end, a run of two, or one that is not a
# plain space. Text that making one line changes: the same but for the ends.
_NOT_ONE_LINE = f"{_WS}{_WS}|{_WS_NOT_SPACE}"
_NOT_SQUASHED = f"^{_WS}|{_WS}$|{_NOT_ONE_LINE}"

# What "surrounding punctuation" means when matching placeholders: ASCII punctuation plus
# the typographic marks Word and case systems substitute (curly quotes, dashes, ellipsis,
# bullet), and white space so "N/A ." and "( none )" reduce to the placeholder.
SURROUNDING = (
    string.punctuation
    + string.whitespace
    + "\u00a0\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u2022\u00b7"
)

_PYTHON_STRING = "string[python]"  # pd.StringDtype(storage="python")


def _as_python_strings(text: pd.Series) -> pd.Series:
    """The values as Python-backed strings with ``<NA>`` for missing, for Python ``re``."""
    return text.astype(_PYTHON_STRING)


def _arrow(values: pd.Series | Iterable[str]) -> pa.Array | pa.ChunkedArray:
    """The values as Arrow strings, missing as null: a loaded column's own chunks, not a
    copy."""
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    return pa.array(series.astype("string[pyarrow]"), type=pa.large_string())


def _refold(text: pa.Array, needs: str, fold: Callable[[pa.Array], pa.Array]) -> pa.Array:
    """``fold`` applied only to the values matching the pattern ``needs``, the rest kept.

    Splitting into words costs far more than finding the few values that need it: most
    recorded text is already one line with single spaces.
    """
    mask = pc.fill_null(pc.match_substring_regex(text, needs), False)
    if not pc.any(mask).as_py():
        return text
    return pc.replace_with_mask(text, mask, fold(pc.filter(text, mask)))


def _one_space(text: pa.Array) -> pa.Array:
    """Every run of white space made one space. RE2 over the white space written out, not
    Arrow's whitespace split, whose answer for a value ending in a multi-byte space (U+2006)
    depends on the byte stored after it: the next row's text."""
    return pc.replace_substring_regex(text, f"{_WS}+", " ")


def _squashed(text: pa.Array) -> pa.Array:
    """Trimmed, with every inner run of white space (newlines included) made one space."""
    return _refold(text, _NOT_SQUASHED, lambda t: _one_space(pc.utf8_trim_whitespace(t)))


def _per_distinct(
    text: pa.Array | pa.ChunkedArray, judge: Callable[[pa.Array], pa.Array]
) -> pa.ChunkedArray:
    """``judge`` worked out once per distinct value and spread back over the rows (missing
    stays missing): a column of free text repeats its blanks, placeholders and templates."""
    distinct, places = encoded(text)
    judged = judge(distinct)
    return pa.chunked_array([pc.take(judged, place) for place in places], judged.type)


def _placeholder_keys(squashed: pa.Array) -> pa.Array:
    """Case-folded, surrounding punctuation removed: the form placeholders are compared in.

    A value made only of punctuation ("-", "...", "--") reduces to the empty string, which is
    also what the placeholders "-" and "." reduce to, so it counts as a placeholder whenever
    the list has either of them.
    """
    return pc.utf8_trim(pc.utf8_lower(squashed), characters=SURROUNDING)


def _bools(values: pa.Array, index: pd.Index) -> pd.Series:
    return pd.Series(
        pc.fill_null(values, False).to_numpy(zero_copy_only=False), index=index, dtype=bool
    )


def _has_words(squashed: pa.Array, count: int) -> pa.Array:
    """Whether squashed text (one space between words) has at least ``count`` words: at
    least ``count - 1`` spaces, found from the start and no further than needed."""
    if count <= 1:
        return pc.not_equal(squashed, "")
    return pc.match_substring_regex(squashed, f"^(?:[^ ]* ){{{count - 1}}}")


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
    known = _placeholder_keys(_squashed(_arrow([p for p in placeholders if p is not None])))
    known = known.drop_null()

    def meaningful(distinct: pa.Array) -> pa.Array:
        squashed = _squashed(distinct)
        is_placeholder = pc.is_in(_placeholder_keys(squashed), value_set=known)
        return pc.and_(
            pc.and_(pc.not_equal(squashed, ""), pc.invert(is_placeholder)),
            _has_words(squashed, min_words),
        )

    meaningful = _per_distinct(_arrow(text), meaningful)
    return _bools(meaningful, text.index)


def comparable_text(text: pd.Series) -> pd.Series:
    """Text in the form used to spot word-for-word copies: case-folded, trimmed, inner runs
    of white space made one space; punctuation kept.

    Returned in pandas' default ``str`` dtype, where missing is NaN, so comparing two
    missing values with ``==`` gives False: absent views are never "copied".
    """
    folded = _per_distinct(_arrow(text), _comparable)
    return pd.Series(pd.array(folded, dtype="str"), index=text.index)


def comparable_numbers(text: pd.Series) -> np.ndarray:
    """Each value numbered by its :func:`comparable_text` form: two values get the same
    number exactly when those forms are equal; missing is -1. Numbers only, so a column of
    notes is compared without building a folded copy of every row."""
    distinct, places = encoded(_arrow(text))
    numbers = pc.dictionary_encode(_comparable(distinct)).indices
    spread = pa.chunked_array([pc.take(numbers, place) for place in places], numbers.type)
    return pc.fill_null(spread, -1).to_numpy().astype(np.intp, copy=False)


def _comparable(distinct: pa.Array) -> pa.Array:
    return pc.utf8_lower(_squashed(distinct))


def one_line(text: pd.Series) -> pd.Series:
    """The text with every run of white space (newlines included) made one space, for
    quoting a value inside a one-line detail. Not trimmed, so the quote shows what was typed
    (``" n/a "`` stays ``" n/a "``). A ``string`` Series; missing stays missing.
    """
    joined = _per_distinct(
        _arrow(text), lambda distinct: _refold(distinct, _NOT_ONE_LINE, _one_space)
    )
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
