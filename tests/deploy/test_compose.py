"""The container setup of docs/deploy.md (Dockerfile, deploy/compose.yaml, deploy/nginx.conf), checked where Docker
cannot run: every setting a node gets is one liveroom reads, with a value it accepts; every command is one the
``liveroom`` command line parses; nginx sends to the nodes' port what docs/deploy.md says it sends; the Dockerfile
copies files that exist and installs an extra that exists."""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from dataclasses import fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import typer.main
import yaml

from liveroom.api.app import create_app
from liveroom.cli.commands import cli
from liveroom.settings import Settings
from tests.deploy.nginx import Directive, parse
from tests.docs.markdown import ROOT, blocks

COMPOSE = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text(encoding="utf-8"))
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
NODES = ["node1", "node2", "node3"]
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
# Variables liveroom reads that are not LIVEROOM_<setting>: uvicorn's, as --forwarded-allow-ips documents.
OTHER_VARIABLES = {"FORWARDED_ALLOW_IPS"}


def interpolated(value: str) -> str:
    """Compose's ``${NAME:-default}`` with NAME unset, as on a machine that sets nothing."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)


def environment(service: str) -> dict[str, str]:
    return {name: interpolated(str(value)) for name, value in SERVICES[service]["environment"].items()}


def parses(argv: list[str]) -> dict[str, Any]:
    """The parameters ``liveroom ARGV`` would run its command with (every option checked), without running it."""
    command: Any = typer.main.get_command(cli)
    context = command.make_context("liveroom", list(argv))
    while hasattr(command, "resolve_command"):  # a group: the rest of the words name a command of it
        words = [*getattr(context, "_protected_args", []), *context.args]
        name, command, rest = command.resolve_command(context, words)
        context = command.make_context(name, rest, parent=context)
    return dict(context.params)


def test_three_nodes_postgresql_redis_and_nginx() -> None:
    assert set(SERVICES) == {"postgres", "redis", "migrate", *NODES, "nginx"}
    for node in NODES:
        assert SERVICES[node]["command"] == ["serve"]
        assert "ports" not in SERVICES[node], "only nginx is reachable from outside"
    assert SERVICES["migrate"]["command"] == ["db", "upgrade"]
    for node in NODES:
        assert SERVICES[node]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


@pytest.mark.parametrize("service", ["migrate", *NODES])
def test_every_variable_is_a_setting_with_a_value_liveroom_accepts(service: str) -> None:
    env = environment(service)
    known = {f"LIVEROOM_{f.name.upper()}" for f in fields(Settings)} | OTHER_VARIABLES
    assert set(env) <= known, set(env) - known
    settings = Settings.from_env(env)  # raises SettingsError on a value it cannot read
    assert settings.database_url.startswith("postgresql://")
    assert settings.redis_url.startswith("redis://")
    assert settings.host == "0.0.0.0"


@pytest.mark.parametrize("service", ["migrate", *NODES])
def test_the_commands_are_liveroom_commands(service: str) -> None:
    parses(SERVICES[service]["command"])


def test_the_database_and_redis_urls_name_the_services() -> None:
    settings = Settings.from_env(environment("node1"))
    database = urlsplit(settings.database_url)
    postgres = SERVICES["postgres"]["environment"]
    assert (database.hostname, database.port) == ("postgres", 5432)
    assert database.username == postgres["POSTGRES_USER"]
    assert database.path == f"/{postgres['POSTGRES_DB']}"
    assert database.password == interpolated(postgres["POSTGRES_PASSWORD"])
    assert urlsplit(settings.redis_url).hostname == "redis"


def nginx_conf() -> Directive:
    return parse((ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8"))


def test_nginx_sends_to_the_nodes_on_their_port() -> None:
    port = Settings.from_env(environment("node1")).port
    upstream = nginx_conf().one("upstream", "liveroom")
    assert [server.args[0] for server in upstream.all("server")] == [f"{node}:{port}" for node in NODES]
    mount = next(v for v in SERVICES["nginx"]["volumes"] if v.startswith("./nginx.conf:"))
    assert (ROOT / "deploy" / "nginx.conf").exists() and mount.endswith(":/etc/nginx/conf.d/default.conf:ro")
    assert SERVICES["nginx"]["ports"] == ["8080:80"]
    assert nginx_conf().one("server").one("listen").args == ["80"]


def test_nginx_fits_liveroom() -> None:
    server = nginx_conf().one("server")
    assert server.one("client_max_body_size").args == [f"{Settings().max_body_bytes // 1024 // 1024}m"]
    realtime = server.one("location", "=", "/realtime")
    timeout = int(realtime.one("proxy_read_timeout").args[0].removesuffix("s"))
    assert timeout > Settings().realtime_heartbeat_timeout_seconds
    assert realtime.one("proxy_set_header", "Upgrade").args == ["Upgrade", "$http_upgrade"]
    # The console's room event streams are WebSockets under /console/.
    assert server.one("location", "/").one("proxy_set_header", "Upgrade").args == ["Upgrade", "$http_upgrade"]
    assert server.one("location", "=", "/metrics").one("return").args == ["404"]
    paths = {route.path for route in create_app(Settings(database_url="sqlite:///unused.db")).web.routes}
    for location in server.all("location"):
        if location.args[0] == "=":
            assert location.args[1] in paths, location.args


def test_nginx_conf_is_docs_deploy_md_with_the_nodes_named_by_their_services() -> None:
    documented = next(b for b in blocks(ROOT / "docs" / "deploy.md") if b.language == "nginx")
    docs = parse(documented.code)
    ours = nginx_conf()
    assert docs.one("server") == ours.one("server")
    assert docs.one("map") == ours.one("map")
    docs_upstream, our_upstream = docs.one("upstream", "liveroom"), ours.one("upstream", "liveroom")
    assert [s.args[1:] for s in docs_upstream.all("server")] == [s.args[1:] for s in our_upstream.all("server")]
    assert docs_upstream.all("keepalive") == our_upstream.all("keepalive")


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    return [
        (line.split(maxsplit=1)[0], line.split(maxsplit=1)[1] if " " in line else "")
        for line in text.splitlines()
        if line.strip() and not line.startswith("#")
    ]


def test_the_dockerfile_copies_files_that_exist() -> None:
    for instruction, args in dockerfile_instructions():
        if instruction == "COPY" and not args.startswith("--from="):
            *sources, _ = shlex.split(args)
            for source in sources:
                assert (ROOT / source).exists(), source
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert ".venv/" in ignored


def test_the_dockerfile_installs_an_extra_that_makes_a_node() -> None:
    runs = " ".join(args for instruction, args in dockerfile_instructions() if instruction == "RUN")
    extras = re.findall(r"liveroom-\*\.whl\)\[(\w+)\]", runs)
    assert extras == ["cluster"]
    assert "cluster" in PYPROJECT["project"]["optional-dependencies"]
    assert "-c /tmp/constraints.txt" in runs and (ROOT / "requirements" / "check.txt").exists()


def test_the_dockerfile_runs_liveroom_serve_on_the_port_nginx_uses() -> None:
    instructions = dict(dockerfile_instructions())  # the last of each kind: the final stage's
    entrypoint, command = json.loads(instructions["ENTRYPOINT"]), json.loads(instructions["CMD"])
    assert entrypoint == ["liveroom"]
    parses(command)
    port = Settings.from_env(environment("node1")).port
    assert instructions["EXPOSE"] == str(port)
    assert f"LIVEROOM_PORT={port}" in instructions["ENV"]
    assert f"http://127.0.0.1:{port}/readyz" in instructions["HEALTHCHECK"]
    base = re.findall(r"^FROM python:(\d+)\.(\d+)", DOCKERFILE, re.M)
    required = PYPROJECT["project"]["requires-python"].removeprefix(">=").split(".")
    assert all(tuple(map(int, version)) >= tuple(map(int, required)) for version in base)


def test_the_deploy_files_are_where_docs_deploy_md_says() -> None:
    doc = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    for path in ("deploy/compose.yaml", "deploy/nginx.conf", "Dockerfile"):
        assert f"`{path}`" in doc and (ROOT / Path(path)).exists(), path
