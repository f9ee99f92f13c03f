"""A Compose `command: "..."` string split into words, as `shlex.split` does, in linear time.

`shlex` builds each word one character at a time with `self.token += char`, an attribute that CPython
cannot grow in place: a 1 MB word took 20 s. This reader takes the same POSIX rules (blanks are space, tab,
CR and LF; single quotes keep everything; in double quotes a backslash escapes only `"` and `\\`; outside
quotes it escapes any character; no comments) but copies runs of plain text in one slice.
"""

from __future__ import annotations

import re

_SPECIAL = re.compile(r"[ \t\r\n'\"\\]")
_IN_DOUBLE_QUOTES = re.compile(r"[\"\\]")


def split(text: str) -> list[str]:
    """The words of `text`; ValueError for an unclosed quote or a trailing backslash (as shlex)."""
    words: list[str] = []
    current: list[str] = []
    in_word = False
    position, end = 0, len(text)
    while position < end:
        special = _SPECIAL.search(text, position)
        if special is None:
            current.append(text[position:])
            in_word = True
            break
        start = special.start()
        if start > position:
            current.append(text[position:start])
            in_word = True
        char = text[start]
        if char in " \t\r\n":
            if in_word:
                words.append("".join(current))
                current, in_word = [], False
            position = start + 1
        elif char == "'":
            closing = text.find("'", start + 1)
            if closing < 0:
                raise ValueError("No closing quotation")
            current.append(text[start + 1 : closing])
            in_word, position = True, closing + 1
        elif char == '"':
            position = _double_quoted(text, start + 1, current)
            in_word = True
        else:
            if start + 1 >= end:
                raise ValueError("No escaped character")
            current.append(text[start + 1])
            in_word, position = True, start + 2
    if in_word:
        words.append("".join(current))
    return words


def _double_quoted(text: str, position: int, current: list[str]) -> int:
    """Append the inside of a double-quoted string opened before `position`; the position after it."""
    while True:
        special = _IN_DOUBLE_QUOTES.search(text, position)
        if special is None:
            raise ValueError("No closing quotation")
        start = special.start()
        current.append(text[position:start])
        if text[start] == '"':
            return start + 1
        if start + 1 >= len(text):
            raise ValueError("No escaped character")
        following = text[start + 1]
        current.append(following if following in '"\\' else "\\" + following)
        position = start + 2
