"""Write the SDK's models and methods (``_generated.py``) and the API reference from the server's command registry.

::

    python -m liveroom.client.codegen                    # rewrite src/liveroom/client/_generated.py
    python -m liveroom.client.codegen --check            # exit 1 when it is out of date
    python -m liveroom.client.codegen --docs docs/sdk.md  # rewrite the reference between the markers

This package imports the server (it reads the registry); the SDK itself never imports it. ``names`` holds the
naming tables and rules, ``analysis`` what is derived from the registry, ``render`` and ``reference`` the output.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from liveroom.api.commands import REGISTRY
from liveroom.api.registry import Registry
from liveroom.client.codegen.analysis import Generator
from liveroom.client.codegen.names import python_name, snake
from liveroom.client.codegen.reference import DOCS_BEGIN, DOCS_END, Reference
from liveroom.client.codegen.render import Renderer

GENERATED = Path(__file__).parent.parent / "_generated.py"

__all__ = [
    "DOCS_BEGIN",
    "DOCS_END",
    "GENERATED",
    "Generator",
    "generate",
    "main",
    "python_name",
    "reference",
    "snake",
    "update_docs",
]


def generate(registry: Registry = REGISTRY) -> str:
    """The source of ``_generated.py`` for ``registry``."""
    import liveroom.api.app  # noqa: F401, PLC0415 - importing the app registers every command

    return Renderer(Generator(registry)).render()


def reference(registry: Registry = REGISTRY) -> str:
    """The Markdown API reference for ``registry``, markers included."""
    import liveroom.api.app  # noqa: F401, PLC0415

    return Reference(Generator(registry)).render()


def update_docs(path: Path, registry: Registry = REGISTRY) -> bool:
    """Replace the reference between the markers in ``path``; answers whether the file changed."""
    text = path.read_text(encoding="utf-8")
    start, end = text.find(DOCS_BEGIN), text.find(DOCS_END)
    if start < 0 or end < start:
        raise SystemExit(f"{path}: no {DOCS_BEGIN!r} ... {DOCS_END!r} markers")
    new = text[:start] + reference(registry) + text[end + len(DOCS_END) :]
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m liveroom.client.codegen", description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when _generated.py is out of date")
    parser.add_argument("--docs", type=Path, help="rewrite the API reference between the markers of this file")
    args = parser.parse_args(argv)
    if args.docs is not None:
        changed = update_docs(args.docs)
        print(f"{args.docs}: {'updated' if changed else 'up to date'}")
        return 0
    code = generate()
    current = GENERATED.read_text(encoding="utf-8") if GENERATED.exists() else ""
    if args.check:
        if current != code:
            print(f"{GENERATED} is out of date: run python -m liveroom.client.codegen", file=sys.stderr)
            return 1
        return 0
    if current != code:
        GENERATED.write_text(code, encoding="utf-8")
    print(f"{GENERATED}: {len(code.splitlines())} lines")
    return 0
