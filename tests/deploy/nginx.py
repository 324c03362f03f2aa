"""A reader of nginx configuration, enough to check one: directives with their arguments and blocks."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

TOKEN = re.compile(r"""\s+|#[^\n]*|"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([{};])|([^\s{};"'#]+)""")


@dataclass
class Directive:
    name: str
    args: list[str]
    block: list[Directive] | None = field(default=None)

    def all(self, name: str) -> list[Directive]:
        return [d for d in self.block or [] if d.name == name]

    def one(self, name: str, *args: str) -> Directive:
        found = [d for d in self.all(name) if d.args[: len(args)] == list(args)]
        assert len(found) == 1, (name, args, found)
        return found[0]


def tokens(text: str) -> list[str]:
    found = []
    position = 0
    while position < len(text):
        match = TOKEN.match(text, position)
        if match is None:
            raise ValueError(f"cannot read nginx configuration at {text[position : position + 30]!r}")
        position = match.end()
        double, single, punctuation, word = match.groups()
        for value in (double, single, punctuation, word):
            if value is not None:
                found.append(value)
                break
    return found


def parse(text: str) -> Directive:
    """The whole file as the block of a directive named ``main``; raises on unbalanced braces or a missing ``;``."""
    stack: list[Directive] = [Directive("main", [], [])]
    words: list[str] = []
    for token in tokens(text):
        if token == ";":
            if not words:
                raise ValueError("an empty directive")
            assert stack[-1].block is not None
            stack[-1].block.append(Directive(words[0], words[1:]))
            words = []
        elif token == "{":
            if not words:
                raise ValueError("a block without a directive")
            directive = Directive(words[0], words[1:], [])
            assert stack[-1].block is not None
            stack[-1].block.append(directive)
            stack.append(directive)
            words = []
        elif token == "}":
            if words or len(stack) == 1:
                raise ValueError("a '}' after an unfinished directive, or one too many")
            stack.pop()
        else:
            words.append(token)
    if words or len(stack) != 1:
        raise ValueError("unfinished configuration: a missing ';' or '}'")
    return stack[0]
