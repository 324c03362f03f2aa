"""The fenced code blocks of a Markdown document, each with the headings it sits under."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEADING = re.compile(r"^(#{1,6}) (.+)$")


@dataclass(frozen=True)
class Block:
    headings: tuple[str, ...]  # from the document's title down to the nearest heading
    language: str
    code: str

    @property
    def section(self) -> str:
        return self.headings[-1]


def blocks(path: Path) -> list[Block]:
    found: list[Block] = []
    trail: list[tuple[int, str]] = []
    fence: tuple[str, list[str]] | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if fence is not None:
            if line.startswith("```"):
                found.append(Block(tuple(name for _, name in trail), fence[0], "\n".join(fence[1]) + "\n"))
                fence = None
            else:
                fence[1].append(line)
        elif line.startswith("```"):
            fence = (line[3:].strip(), [])
        elif heading := HEADING.match(line):
            level = len(heading.group(1))
            trail = [(lvl, name) for lvl, name in trail if lvl < level] + [(level, heading.group(2).strip())]
    return found
