"""The Python source of ``_generated.py``, laid out the way ``ruff format`` keeps it."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable

import msgspec.inspect as mi

from liveroom.client.codegen.analysis import Generator, Method, ModelSpec, Pager, Param
from liveroom.client.codegen.names import GROUP_DOCS


class Renderer:
    """Emits the module: models, endpoints, ``OPERATIONS``, sync and async groups, ``API`` and ``AsyncAPI``."""

    def __init__(self, g: Generator) -> None:
        self.g = g

    def render(self) -> str:
        out: list[str] = []
        for spec in self.g.order:
            out.append(self._render_model(spec))
        out.append("\n\n# endpoints " + "-" * 97 + "\n")
        for m in self.g.methods:
            c = m.command
            out.append(f'{m.endpoint} = Endpoint("{c.service}", "{c.name}", top_level={c.top_level})\n')
        out.append(self._render_operations())
        groups = sorted({m.group for m in self.g.methods})
        for is_async in (False, True):
            for group in groups:
                out.append(self._render_group(group, [m for m in self.g.methods if m.group == group], is_async))
            out.append(self._render_api(groups, is_async))
        body = "".join(out).rstrip() + "\n"
        return HEADER + _imports(body) + _all(m.name for m in self.g.order) + body

    def _render_model(self, spec: ModelSpec) -> str:
        request = spec.source in self.g.request_side
        lines = [f"\n\nclass {spec.name}(Model, kw_only=True):"]
        if not spec.fields:
            lines.append("    pass")
        for f in spec.fields:
            annotation = self.g.annotation(f.type)
            name = f'name="{f.wire}"'
            if f.required and (request or isinstance(f.type, mi.StructType)):
                lines.append(f"    {f.py}: {annotation} = field({name})")
            elif not f.required and request:
                lines.append(f"    {f.py}: {annotation} | UnsetType = field({name}, default=UNSET)")
            elif not f.required:
                lines.append(f"    {f.py}: {annotation} | None = field({name}, default=None)")
            else:
                lines.append(f"    {f.py}: {annotation} = field({name}, {_zero(f.type)})")
        return "\n".join(lines) + "\n"

    def _render_operations(self) -> str:
        lines = ["\n\nOPERATIONS: tuple[Operation, ...] = ("]
        for m in self.g.methods:
            response = m.response or "None"
            request = self.g.model(m.command.request).name
            args = f'{m.endpoint}, "{m.group}", "{m.name}", {request}, {response}'
            if len(f"    Operation({args}),") <= 120:
                lines.append(f"    Operation({args}),")
            else:  # as ruff format wraps it: the arguments on a line of their own
                lines.extend(["    Operation(", f"        {args}", "    ),"])
        lines.append(")\n")
        return "\n".join(lines)

    def _render_group(self, group: str, methods: list[Method], is_async: bool) -> str:
        cls = ("Async" if is_async else "") + group.title().replace("_", "")
        caller = "AsyncCaller" if is_async else "SyncCaller"
        doc = GROUP_DOCS.get(group, f"The ``{group}`` commands.")
        lines = [
            f"\n\nclass {cls}:",
            f'    """{doc}"""',
            "",
            f"    def __init__(self, caller: {caller}) -> None:",
            "        self._caller = caller",
        ]
        for m in methods:
            lines.append("")
            lines.extend(self._render_method(m, is_async))
            if m.pager is not None:
                lines.append("")
                lines.extend(self._render_pager(m, m.pager, is_async))
        return "\n".join(lines) + "\n"

    def _signature(self, name: str, params: Iterable[Param], returns: str, is_async: bool) -> list[str]:
        params = list(params)
        head = f"    {'async ' if is_async else ''}def {name}("
        if not params:
            return [f"{head}self) -> {returns}:"]
        lines = [head, "        self,"]
        star = False
        for p in params:
            if p.default is not None and not star:
                lines.append("        *,")
                star = True
            lines.append(f"        {p.name}: {p.annotation}{'' if p.default is None else ' = ' + p.default},")
        lines.append(f"    ) -> {returns}:")
        return lines

    def _render_method(self, m: Method, is_async: bool) -> list[str]:
        returns = m.response or "None"
        lines = self._signature(m.name, sorted(m.params, key=lambda p: p.default is not None), returns, is_async)
        lines.extend(_docstring(m.command.summary, f"``POST {m.command.path}``"))
        call = f"self._caller._call({m.endpoint}, {m.request}, {m.response or 'None'})"
        prefix = "await " if is_async else ""
        lines.extend(_explode(f"{'return ' if m.response else ''}{prefix}{call}", indent=8))
        return lines

    def _render_pager(self, m: Method, pager: Pager, is_async: bool) -> list[str]:
        params = [p for p in m.params if p.name != pager.request_param]
        item = pager.item_type
        returns = f"AsyncIterator[{item}]" if is_async else f"Iterator[{item}]"
        lines = self._signature(f"iter_{m.name}", sorted(params, key=lambda p: p.default is not None), returns, False)
        if is_async:
            lines[0] = lines[0].replace("    def ", "    async def ", 1)
        follow = "``Next``" if pager.kind == "cursor" else "``NextOffset``"
        lines.extend(_docstring(f"Every item of ``{m.name}``, page after page (follows {follow}).", ""))
        start, done = ('""', "not page.{a}") if pager.kind == "cursor" else ("0", "page.{a} == 0")
        lines.append(f"        cursor = {start}")
        lines.append("        while True:")
        args = "".join(f"{p.name}={p.name}, " for p in params)
        call = f"page = {'await ' if is_async else ''}self.{m.name}({args}{pager.request_param}=cursor)"
        lines.extend(_explode(call, indent=12))
        if is_async:
            lines.append(f"            for item in page.{pager.items_attr}:")
            lines.append("                yield item")
        else:
            lines.append(f"            yield from page.{pager.items_attr}")
        lines.append(f"            if {done.format(a=pager.response_attr)}:")
        lines.append("                return")
        lines.append(f"            if page.{pager.response_attr} == cursor:")
        lines.append(f'                raise stuck_cursor("{m.command.path}")')
        lines.append(f"            cursor = page.{pager.response_attr}")
        return lines

    def _render_api(self, groups: list[str], is_async: bool) -> str:
        prefix = "Async" if is_async else ""
        caller = "AsyncCaller" if is_async else "SyncCaller"
        lines = [
            f"\n\nclass {prefix}API:",
            f'    """The command groups of ``{prefix}Client``."""',
            "",
        ]
        for g in groups:
            lines.append(f"    {g}: {prefix}{g.title().replace('_', '')}")
        lines.extend(["", f"    def _bind(self, caller: {caller}) -> None:"])
        for g in groups:
            lines.append(f"        self.{g} = {prefix}{g.title().replace('_', '')}(caller)")
        return "\n".join(lines) + "\n"


def _zero(t: mi.Type) -> str:
    if isinstance(t, mi.ListType | mi.SetType | mi.FrozenSetType | mi.VarTupleType):
        return "default_factory=list"
    if isinstance(t, mi.DictType):
        return "default_factory=dict"
    zeros = {mi.IntType: "0", mi.StrType: '""', mi.BoolType: "False", mi.FloatType: "0.0", mi.BytesType: 'b""'}
    for kind, text in zeros.items():
        if isinstance(t, kind):
            return f"default={text}"
    return "default=None"


def _docstring(summary: str, extra: str) -> list[str]:
    text = " ".join(summary.split()).replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    body = textwrap.wrap(text, width=120 - 8 - 3) or [""]
    if not extra and len(body) == 1:
        return [f'        """{body[0]}"""']
    lines = [f'        """{body[0]}'] + [f"        {line}" for line in body[1:]]
    if extra:
        lines += ["", f"        {extra}"]
    lines.append('        """')
    return lines


def _explode(statement: str, indent: int) -> list[str]:
    """One call per line, arguments one per line (the layout ``ruff format`` keeps thanks to trailing commas)."""
    pad = " " * indent
    if len(pad) + len(statement) <= 120 and statement.count("(") <= 1:
        return [pad + statement]
    head, _, rest = statement.partition("(")
    assert rest.endswith(")")
    args = _split_args(rest[:-1])
    lines = [f"{pad}{head}("]
    for arg in args:
        if len(pad) + 4 + len(arg) + 1 > 120 and "(" in arg and arg.endswith(")") and not arg.startswith("["):
            sub = _explode(arg, indent + 4)
            lines.extend(sub[:-1])
            lines.append(sub[-1] + ",")
        else:
            lines.append(f"{pad}    {arg},")
    lines.append(f"{pad})")
    return lines


def _split_args(text: str) -> list[str]:
    args, depth, current = [], 0, ""
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            args.append(current.strip())
            current = ""
        else:
            current += ch
    if current.strip():
        args.append(current.strip())
    return args


HEADER = '''"""Typed models and methods of every API command: generated, do not edit.

Run ``python -m liveroom.client.codegen`` after changing the server's command registry
(``liveroom.api.commands.REGISTRY``), the source of truth; a test fails when this file is out of date.
"""

from __future__ import annotations

'''
IMPORTS = (
    ("collections.abc", ("AsyncIterator", "Iterator", "Mapping", "Sequence")),
    ("typing", ("Any", "Literal")),
    ("msgspec", ("UNSET", "UnsetType", "field")),
    ("liveroom.client._core", ("AsyncCaller", "Endpoint", "Operation", "SyncCaller", "stuck_cursor")),
    ("liveroom.client._models", ("Model", "given")),
)


def _imports(body: str) -> str:
    """The import block for the names ``body`` uses, grouped and ordered as ruff's isort wants."""
    blocks: list[list[str]] = [[], [], []]
    for module, names in IMPORTS:
        used = [n for n in names if re.search(rf"\b{n}\b", body)]
        if used:
            group = 0 if module in {"collections.abc", "typing"} else 1 if module == "msgspec" else 2
            blocks[group].append(f"from {module} import {', '.join(used)}")
    return "\n\n".join("\n".join(b) for b in blocks if b) + "\n"


def _all(names: Iterable[str]) -> str:
    """``__all__``: the models, which ``liveroom.client.models`` re-exports."""
    return (
        "\n# The request and result models (``liveroom.client.models``).\n__all__ = [\n"
        + "".join(f'    "{n}",\n' for n in sorted(names))
        + "]\n"
    )
