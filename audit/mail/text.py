"""Keeping data from the case records out of places where a control character would do harm.

A line break in a team name or an error message could start a new email header or a new line
of the body, so text bound for either is checked (settings) or flattened (messages, errors).
"""

from __future__ import annotations


def is_control(char: str) -> bool:
    """C0 controls (line breaks, tabs, NUL and the rest) and DEL."""
    return ord(char) < 32 or ord(char) == 127


def one_line(text: str) -> str:
    """Data going into a header or a text line: line breaks and controls become spaces."""
    return " ".join("".join(" " if is_control(c) else c for c in text).split())
