"""The console's front-end files in the package are exactly what ``console/package-lock.json`` gives."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


def test_the_vendored_files_match_the_lock() -> None:
    if shutil.which("npm") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("npm is needed to check the vendored console files (CI=true)")
        pytest.skip("npm is not installed")
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / "vendor-console"), "--check"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_package_holds_only_the_vendored_files_the_script_copies() -> None:
    vendor = ROOT / "src" / "liveroom" / "static" / "console" / "vendor"
    script = (ROOT / "scripts" / "vendor-console").read_text()
    copied = {line.strip().strip('"').split()[-1] for line in script.splitlines() if line.startswith('  "')}
    shipped = {str(path.relative_to(ROOT)) for path in vendor.iterdir()}
    assert shipped
    assert shipped <= copied
