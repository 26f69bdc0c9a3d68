"""docs/troubleshooting.md quotes real messages: every message in a heading
(in backquotes, `<...>` for the parts that vary) is made of text that the
source's string literals (or the C library's strerror) still contain.

A message is often put together from a few literals ("HTTP ", the status,
" from ", the host), so each fixed part of a quoted message must split into
at most MAX_RUNS runs of whole words that each appear, as whole words, in
one literal (numbers aside)."""

import errno
import os
import re
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

LITERAL = re.compile(r'"((?:[^"\\\n]|\\.)*)"')
ADJACENT = re.compile(r'"((?:[^"\\\n]|\\.)*)"(?:\s*"((?:[^"\\\n]|\\.)*)")+')
DIRECTIVE = re.compile(r"%[-+ #0]*(?:\d+|\*)?(?:\.(?:\d+|\*))?(?:hh|h|ll|l|z|j|t)?[diouxXcspf%]")
COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "'": "'", "0": "\0"}
# what a message may have around the fragments worth checking
TRIM = " \t:;,.()'\"`?"
MAX_RUNS = 2


def unescape(s):
    return re.sub(r"\\(.)", lambda m: ESCAPES.get(m.group(1), m.group(1)), s)


def source_pieces():
    """The fixed text of every string literal in src/, adjacent literals
    joined, cut at printf directives."""
    pieces = []
    for dirpath, _dirs, files in os.walk(os.path.join(ROOT, "src")):
        for name in files:
            if not name.endswith((".c", ".h")):
                continue
            with open(os.path.join(dirpath, name), encoding="utf-8") as f:
                text = COMMENT.sub(" ", f.read())
            for m in re.finditer(r'"(?:[^"\\\n]|\\.)*"(?:\s*"(?:[^"\\\n]|\\.)*")*', text):
                joined = "".join(LITERAL.findall(m.group(0)))
                pieces.extend(DIRECTIVE.split(unescape(joined)))
    pieces.extend(os.strerror(code) for code in errno.errorcode)
    return pieces


def quoted_messages():
    with open(os.path.join(ROOT, "docs", "troubleshooting.md"), encoding="utf-8") as f:
        return [m.group(1) for m in re.finditer(r"^###+ `(.+)`\s*$", f.read(), re.M)]


def fragments(message):
    """The fixed parts of a quoted message, trimmed of punctuation that
    joins one source literal to the next."""
    for part in re.split(r"<[^<>]*>", message):
        part = part.strip(TRIM)
        if len(part) >= 3:
            yield part


def in_source(run, pieces):
    pattern = re.compile(r"(?<!\w)" + re.escape(run) + r"(?!\w)")
    return any(run in p and pattern.search(p) for p in pieces)


def runs_needed(fragment, pieces):
    """The fewest runs of whole words, each in a literal, that make up
    fragment (numbers need none); None when it cannot be made up."""
    words = fragment.split(" ")
    best = [0] + [None] * len(words)
    for end in range(1, len(words) + 1):
        for start in range(end):
            if best[start] is None:
                continue
            run = " ".join(words[start:end])
            cost = 0 if run.isdigit() else 1
            if (cost == 0 or in_source(run.strip(TRIM), pieces)) and \
                    (best[end] is None or best[start] + cost < best[end]):
                best[end] = best[start] + cost
    return best[-1]


class Troubleshooting(unittest.TestCase):
    def test_every_quoted_message_is_in_the_source(self):
        pieces = source_pieces()
        messages = quoted_messages()
        self.assertGreaterEqual(len(messages), 20)
        for message in messages:
            for part in fragments(message):
                with self.subTest(message=message, part=part):
                    runs = runs_needed(part, pieces)
                    self.assertIsNotNone(runs, f"{part!r}: words in no string of the source")
                    self.assertLessEqual(runs, MAX_RUNS, f"{part!r} is not in the source")

    def test_the_check_catches_a_made_up_message(self):
        pieces = source_pieces()
        self.assertIsNone(runs_needed("must be a colour", pieces))
        self.assertGreater(runs_needed("the token was refused or the repository is private "
                                       "or its name is wrong", pieces), MAX_RUNS)


if __name__ == "__main__":
    unittest.main()
