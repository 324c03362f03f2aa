"""``python -m build`` makes an sdist and, from it, a wheel that hold the whole package (the Alembic migrations and
every file that is not Python included), declare the extras, and install into a fresh environment that serves.

Offline: the fresh environments take their dependencies from the one the tests run in, through a ``.pth`` file;
liveroom itself comes from the built file only. ``scripts/check-dist`` (run by CI) installs the same files from the
package index instead, the core alone and with the server extra.
"""

from __future__ import annotations

import contextlib
import email
import os
import re
import subprocess
import sys
import sysconfig
import tarfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from liveroom import __version__
from tests.docs.markdown import ROOT
from tests.test_server_process import clean_env, free_port

pytestmark = pytest.mark.slow


def run(*command: str | Path, cwd: Path | None = None) -> str:
    result = subprocess.run(
        [str(part) for part in command], cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, f"{command}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist, then the wheel built from the sdist (what ``python -m build`` does without options)."""
    out = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "build", "--no-isolation", "--outdir", out, ROOT)
    return out


def wheel_of(dist: Path) -> Path:
    return next(dist.glob(f"liveroom-{__version__}-py3-none-any.whl"))


def sdist_of(dist: Path) -> Path:
    return next(dist.glob(f"liveroom-{__version__}.tar.gz"))


def package_files() -> set[str]:
    """The files of the package in the checkout, relative to src/ (compiled files left out, as .gitignore does)."""
    source = ROOT / "src"
    return {
        path.relative_to(source).as_posix()
        for path in (source / "liveroom").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }


def test_the_wheel_holds_every_file_of_the_package(dist: Path) -> None:
    with zipfile.ZipFile(wheel_of(dist)) as wheel:
        names = set(wheel.namelist())
    packaged = {name for name in names if name.startswith("liveroom/")}
    assert packaged == package_files()
    for needed in ("liveroom/store/migrations/env.py", "liveroom/store/migrations/script.py.mako", "liveroom/py.typed"):
        assert needed in packaged
    assert any(re.fullmatch(r"liveroom/store/migrations/versions/\d{4}_\w+\.py", name) for name in packaged)
    assert not any(name.startswith("tests/") for name in names)


def test_the_wheel_declares_its_extras_and_its_command(dist: Path) -> None:
    with zipfile.ZipFile(wheel_of(dist)) as wheel:
        metadata = email.message_from_bytes(wheel.read(f"liveroom-{__version__}.dist-info/METADATA"))
        entry_points = wheel.read(f"liveroom-{__version__}.dist-info/entry_points.txt").decode()
    assert metadata["Version"] == __version__
    assert {"cli", "server", "postgres", "redis", "cluster"} <= set(metadata.get_all("Provides-Extra") or [])
    core = {
        re.split(r"[<>=!~ \[;]", line)[0] for line in metadata.get_all("Requires-Dist") or [] if "extra ==" not in line
    }
    assert core == {"msgspec", "httpx", "anyio", "websockets"}
    assert "liveroom = liveroom.cli:main" in entry_points


def test_the_sdist_holds_what_a_build_and_the_tests_need(dist: Path) -> None:
    with tarfile.open(sdist_of(dist)) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    assert {"pyproject.toml", "README.md", "requirements/check.txt", "scripts/check"} <= names
    assert {f"src/{path}" for path in package_files()} <= names
    assert "tests/docs/test_readme_walkthrough.py" in names


def fresh_environment(directory: Path) -> Path:
    """A virtual environment whose dependencies are the test environment's, but not its liveroom."""
    run(sys.executable, "-m", "venv", "--without-pip", directory)
    python = directory / "bin" / "python"
    site = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip())
    # Lines of a .pth file are added to sys.path after the environment's own site-packages; the .pth files in them
    # (the test environment's editable liveroom) are not read.
    paths = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "test-dependencies.pth").write_text("\n".join(sorted(paths)) + "\n")
    return python


@contextlib.contextmanager
def serve_dev(environment: Path, directory: Path) -> Iterator[str]:
    port = free_port()
    with (directory / "serve.err").open("wb") as stderr:
        process = subprocess.Popen(
            [environment / "bin" / "liveroom", "serve", "--dev", "--port", str(port)],
            cwd=directory,
            env=clean_env(),
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, (directory / "serve.err").read_text()
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                assert time.monotonic() < deadline, (directory / "serve.err").read_text()
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(15)


@pytest.mark.parametrize("built", ["wheel", "sdist"])
def test_installed_from_the_built_file_it_serves(built: str, dist: Path, tmp_path: Path) -> None:
    python = fresh_environment(tmp_path / "venv")
    file = wheel_of(dist) if built == "wheel" else sdist_of(dist)
    run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        python,
        "install",
        "--no-deps",
        "--no-index",
        "--no-build-isolation",
        file,
    )
    where = run(python, "-c", "import liveroom.store.migrate as m; print(m.__file__)")
    assert where.startswith(str(tmp_path / "venv")), where
    assert run(tmp_path / "venv" / "bin" / "liveroom", "--version") == f"liveroom {__version__}\n"

    with serve_dev(tmp_path / "venv", tmp_path) as base:
        curl = next(line for line in (tmp_path / "serve.err").read_text().splitlines() if line.startswith("curl "))
        url = re.search(r"'(http://[^']+)'", curl)
        assert url is not None
        answer = httpx.post(url.group(1), json={"RoomId": "demo-room"}, timeout=10).json()
        assert (answer["ErrorCode"], answer["Response"]["RoomInfo"]["RoomId"]) == (0, "demo-room")
        assert httpx.get(f"{base}/docs", timeout=10).status_code == 200
        assert httpx.get(f"{base}/readyz", timeout=10).json()["status"] == "ready"
        # The console's templates and front-end files come from the installed package.
        assert "Operator name" in httpx.get(f"{base}/console/sign-in", timeout=10).text
        for asset in ("vendor/htmx.min.js", "vendor/htmx-ext-ws.min.js", "vendor/pico.min.css", "console.css",
                      "vendor/swagger-ui-bundle.js", "vendor/swagger-ui.css", "docs.js", "docs.css"):  # fmt: skip
            assert httpx.get(f"{base}/static/console/{asset}", timeout=10).status_code == 200, asset
    assert os.path.exists(tmp_path / "liveroom.db")
