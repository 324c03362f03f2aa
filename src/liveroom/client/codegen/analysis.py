"""What the generator derives from the registry: models with wire and Python names, methods, arguments, pagers.

Arguments: required request fields are positional, the others keyword-only and left out when ``None``; a request
that is one object (``{"RoomInfo": {...}}``) takes that object's fields; a list of one-string objects takes
strings; a list of ``{Key, Value}`` takes a mapping.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import msgspec
import msgspec.inspect as mi

from liveroom.api.registry import Command, Registry
from liveroom.client.codegen.names import DEFAULTS, PARAM_NAMES, python_name, snake


def unwrap(t: mi.Type) -> tuple[mi.Type, dict[str, Any]]:
    schema: dict[str, Any] = {}
    while isinstance(t, mi.Metadata):
        schema.update(t.extra_json_schema or {})
        t = t.type
    return t, schema


@dataclass
class FieldSpec:
    py: str
    wire: str
    type: mi.Type  # unwrapped
    required: bool
    description: str


@dataclass
class ModelSpec:
    name: str
    source: type[msgspec.Struct]
    fields: list[FieldSpec] = field(default_factory=list)


@dataclass
class Param:
    name: str
    annotation: str
    default: str | None  # None: required
    value: str  # expression that builds the request field
    field: str  # the request model's attribute


@dataclass
class Pager:
    kind: str  # "cursor" (Next -> Next, "" ends) or "offset" (Offset -> NextOffset, 0 ends)
    request_param: str
    response_attr: str
    items_attr: str
    item_type: str


@dataclass
class Method:
    command: Command
    group: str
    name: str
    endpoint: str
    params: list[Param]
    request: str
    response: str | None
    pager: Pager | None


class Generator:
    """The registry read once: the models (in the order they are emitted) and one ``Method`` per command."""

    def __init__(self, registry: Registry) -> None:
        self.commands = list(registry)
        self.models: dict[type[msgspec.Struct], ModelSpec] = {}
        self.order: list[ModelSpec] = []
        self.request_side: set[type[msgspec.Struct]] = set()
        for command in self.commands:
            self._collect(mi.type_info(command.request), self.request_side)
        self.methods = [self._method(c) for c in self.commands]

    def _collect(self, t: mi.Type, into: set[type[msgspec.Struct]]) -> None:
        t, _ = unwrap(t)
        if isinstance(t, mi.StructType):
            if t.cls in into:
                return
            into.add(t.cls)
            for f in t.fields:
                self._collect(f.type, into)
        elif isinstance(t, mi.UnionType):
            for member in t.types:
                self._collect(member, into)
        elif isinstance(t, mi.ListType | mi.SetType | mi.FrozenSetType | mi.VarTupleType):
            self._collect(t.item_type, into)
        elif isinstance(t, mi.DictType):
            self._collect(t.value_type, into)

    def model(self, cls: type[msgspec.Struct]) -> ModelSpec:
        spec = self.models.get(cls)
        if spec is not None:
            return spec
        taken = {m.name for m in self.models.values()}
        name = cls.__name__
        if name in taken:
            name = cls.__module__.rsplit(".", 1)[-1].title() + name
        base, n = name, 2
        while name in taken:
            name, n = f"{base}{n}", n + 1
        spec = self.models[cls] = ModelSpec(name, cls)
        info = mi.type_info(cls)
        assert isinstance(info, mi.StructType)
        used: set[str] = set()
        for f in info.fields:
            inner, schema = unwrap(f.type)
            py = snake(f.encode_name)
            if py in used:
                py = f.name
            used.add(py)
            spec.fields.append(FieldSpec(py, f.encode_name, inner, f.required, schema.get("description", "")))
            self.annotation(inner)  # register nested models before this one is emitted
        self.order.append(spec)
        return spec

    def annotation(self, t: mi.Type, *, param: bool = False) -> str:
        t, _ = unwrap(t)
        simple = {
            mi.IntType: "int",
            mi.StrType: "str",
            mi.BoolType: "bool",
            mi.FloatType: "float",
            mi.BytesType: "bytes",
            mi.AnyType: "Any",
            mi.NoneType: "None",
        }
        for kind, text in simple.items():
            if isinstance(t, kind):
                return text
        if isinstance(t, mi.ListType | mi.SetType | mi.FrozenSetType | mi.VarTupleType):
            return f"{'Sequence' if param else 'list'}[{self.annotation(t.item_type, param=param)}]"
        if isinstance(t, mi.DictType):
            key, value = self.annotation(t.key_type), self.annotation(t.value_type, param=param)
            return f"{'Mapping' if param else 'dict'}[{key}, {value}]"
        if isinstance(t, mi.StructType):
            return self.model(t.cls).name
        if isinstance(t, mi.UnionType):
            parts = [self.annotation(m, param=param) for m in t.types]
            return " | ".join(dict.fromkeys(parts))
        if isinstance(t, mi.LiteralType):
            return "Literal[" + ", ".join(repr(v) for v in t.values) + "]"
        if isinstance(t, mi.EnumType):  # the SDK carries the values, not the server's enum class
            return "Literal[" + ", ".join(repr(member.value) for member in t.cls) + "]"
        raise TypeError(f"codegen: no Python annotation for {t!r}; teach liveroom.client.codegen this type")

    # methods --------------------------------------------------------------------------------------------------

    def _param(self, command: Command, spec: FieldSpec) -> Param:
        t = spec.type
        name = PARAM_NAMES.get(spec.wire, spec.py)
        value = name
        annotation = self.annotation(t, param=True)
        if isinstance(t, mi.ListType):
            item, _ = unwrap(t.item_type)
            if isinstance(item, mi.StructType):
                item_model = self.model(item.cls)
                kinds = [(f.wire, unwrap(f.type)[0]) for f in item_model.fields]
                if len(kinds) == 1 and isinstance(kinds[0][1], mi.StrType):
                    annotation = "Sequence[str]"
                    value = f"[{item_model.name}({item_model.fields[0].py}=x) for x in {name}]"
                elif [w for w, _ in kinds] == ["Key", "Value"] and all(isinstance(k, mi.StrType) for _, k in kinds):
                    annotation = "Mapping[str, str]"
                    value = f"[{item_model.name}(key=k, value=v) for k, v in {name}.items()]"
                else:
                    value = f"list({name})"
            else:
                value = f"list({name})"
        elif isinstance(t, mi.DictType):
            value = f"dict({name})"
        default = DEFAULTS.get((command.name, spec.wire))
        if default is not None:
            return Param(name, annotation, default, value, spec.py)
        if spec.required:
            return Param(name, annotation, None, value, spec.py)
        value = f"given({name})" if value == name else f"UNSET if {name} is None else {value}"
        return Param(name, f"{annotation} | None", "None", value, spec.py)

    def _build(self, command: Command) -> tuple[list[Param], str]:
        """The method's parameters and the expression that builds the request from them."""
        outer = self.model(command.request)
        fields = outer.fields
        if len(fields) == 1 and isinstance(fields[0].type, mi.StructType):  # {"RoomInfo": {...}}: take its fields
            inner = self.model(fields[0].type.cls)
            params = [self._param(command, f) for f in inner.fields]
            return params, f"{outer.name}({fields[0].py}={inner.name}({_kwargs(params)}))"
        params = [self._param(command, f) for f in fields]
        return params, f"{outer.name}({_kwargs(params)})"

    def _method(self, command: Command) -> Method:
        group, name = python_name(command)
        params, request = self._build(command)
        response = self.model(command.response).name if command.response is not None else None
        endpoint = "_" + command.name.upper()
        if sum(c.name == command.name for c in self.commands) > 1:
            endpoint = f"_{command.service.upper()}__{command.name.upper()}"
        return Method(command, group, name, endpoint, params, request, response, self._pager(command))

    def _pager(self, command: Command) -> Pager | None:
        if command.response is None:
            return None
        request = {f.wire: f for f in self.model(command.request).fields}
        response = self.model(command.response)
        lists = [f for f in response.fields if isinstance(f.type, mi.ListType)]
        wires = {f.wire: f for f in response.fields}
        if len(lists) != 1:
            return None
        item_type = self.annotation(lists[0].type.item_type) if isinstance(lists[0].type, mi.ListType) else "Any"
        if "Next" in request and "Next" in wires:
            return Pager("cursor", PARAM_NAMES.get("Next", "next"), wires["Next"].py, lists[0].py, item_type)
        if "Offset" in request and "NextOffset" in wires:
            return Pager("offset", PARAM_NAMES.get("Offset", "offset"), wires["NextOffset"].py, lists[0].py, item_type)
        return None


def _kwargs(params: list[Param]) -> str:
    return ", ".join(f"{p.field}={p.value}" for p in params)
