"""Layering: the plain-Python core (models/, tasks/ except steps.py) never imports Prefect, even transitively;
models/ imports no stage, flow or CLI; a stage imports no other stage's modules beyond today's known list;
nothing below the CLI (flows, stages, models, the config) imports it."""

from __future__ import annotations

import ast
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


# --- which modules a module may import (read with ast, imports inside functions included) -------------------

# Imports of another stage's modules: each reads an earlier stage's output (ingest's snapshot, the label store, the
# published manifest) or, for the replay simulator, the sample generator; shared contracts live in models/. The list
# only shrinks: a new cross-stage import fails below; a removed one must be struck from here.
KNOWN_CROSS_STAGE_IMPORTS: frozenset[tuple[str, str]] = frozenset(
    {
        ("tasks/label/steps.py", "tasks.ingest.errors"),
        ("tasks/label/steps.py", "tasks.ingest.snapshot"),
        ("tasks/replay/metrics.py", "tasks.label.store"),
        ("tasks/replay/metrics.py", "tasks.publish.publish"),
        ("tasks/replay/metrics.py", "tasks.publish.stores"),
        ("tasks/replay/weeks.py", "tasks.sample"),
        ("tasks/train/dataset.py", "tasks.ingest.snapshot"),
        ("tasks/train/dataset.py", "tasks.label.store"),
    }
)


def imported_modules(path) -> set[str]:
    """Every module ``path`` imports, at module level or inside functions."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def cross_stage_imports(root) -> set[tuple[str, str]]:
    """(file, module) where a module of tasks/<stage>/ imports tasks/<other stage>."""
    edges = set()
    for path in sorted((root / "tasks").rglob("*.py")):
        parts = path.relative_to(root / "tasks").parts
        if len(parts) < 2:
            continue
        for module in imported_modules(path):
            names = module.split(".")
            if names[0] == "tasks" and len(names) > 1 and names[1] != parts[0]:
                edges.add((path.relative_to(root).as_posix(), module))
    return edges


def test_no_new_import_of_another_stages_internals():
    edges = cross_stage_imports(REPO_ROOT)
    new = sorted(edges - KNOWN_CROSS_STAGE_IMPORTS)
    assert not new, f"a stage imports another stage's module; put the shared contract in models/ instead: {new}"
    gone = sorted(KNOWN_CROSS_STAGE_IMPORTS - edges)
    assert not gone, f"these cross-stage imports are gone; strike them from KNOWN_CROSS_STAGE_IMPORTS: {gone}"


def test_models_import_no_stage_flow_or_cli():
    for path in sorted((REPO_ROOT / "models").rglob("*.py")):
        bad = sorted(m for m in imported_modules(path) if m.split(".")[0] in ("tasks", "flows", "spamloop", "deployments"))
        assert not bad, f"{path.relative_to(REPO_ROOT)} imports {bad}: models/ is the core every stage reads"


def test_the_cross_stage_check_sees_imports_inside_functions(tmp_path):
    stage = tmp_path / "tasks" / "label"
    stage.mkdir(parents=True)
    (stage / "late.py").write_text("def f():\n    from tasks.train.pipeline import run_training\n", encoding="utf-8")
    assert cross_stage_imports(tmp_path) == {("tasks/label/late.py", "tasks.train.pipeline")}


# --- the CLI sits on top: nothing below it imports it ------------------------------------------------------

BELOW_THE_CLI = ("flows", "tasks", "models", "spamloop")


def imports_of_the_cli(root) -> list[str]:
    """``file: module`` wherever flows/, tasks/, models/ or spamloop/ outside spamloop/cli/ imports spamloop.cli."""
    found = []
    for folder in BELOW_THE_CLI:
        for path in sorted((root / folder).rglob("*.py")):
            rel = path.relative_to(root)
            if rel.parts[:2] == ("spamloop", "cli"):
                continue
            modules = imported_modules(path)
            modules |= {f"spamloop.{a.name}" for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                        if isinstance(n, ast.ImportFrom) and n.module == "spamloop" and n.level == 0 for a in n.names}
            found += [f"{rel.as_posix()}: {m}" for m in sorted(modules) if m == "spamloop.cli" or m.startswith("spamloop.cli.")]
    return found


def test_no_flow_stage_or_config_module_imports_the_cli():
    bad = imports_of_the_cli(REPO_ROOT)
    assert not bad, f"the CLI imports flows, never the other way round; move what they share below it: {bad}"


def test_the_cli_check_sees_late_and_package_imports(tmp_path):
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "late.py").write_text("def f():\n    from spamloop.cli.common import build_config\n", encoding="utf-8")
    (flows / "whole.py").write_text("from spamloop import cli\n", encoding="utf-8")
    (tmp_path / "spamloop" / "cli").mkdir(parents=True)
    (tmp_path / "spamloop" / "cli" / "stages.py").write_text("import spamloop.cli.common\n", encoding="utf-8")
    assert imports_of_the_cli(tmp_path) == ["flows/late.py: spamloop.cli.common", "flows/whole.py: spamloop.cli"]
