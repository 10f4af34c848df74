"""The plain-Python core (models/, tasks/ except steps.py) must not import Prefect, even transitively."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO_ROOT


def core_modules() -> list[str]:
    names = []
    for root in ("models", "tasks"):
        for path in sorted((REPO_ROOT / root).rglob("*.py")):
            if path.name == "steps.py" or "fixtures" in path.parts:
                continue
            rel = path.relative_to(REPO_ROOT).with_suffix("")
            parts = list(rel.parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            names.append(".".join(parts))
    return names


def test_core_modules_exist():
    names = core_modules()
    assert "models.normalization" in names
    assert any(name.startswith("tasks.ingest") for name in names)


def test_core_does_not_import_prefect():
    names = core_modules()
    script = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        "    assert 'prefect' not in sys.modules, f'{name} pulled in prefect'\n"
        "print('ok', len(sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.startswith("ok")
