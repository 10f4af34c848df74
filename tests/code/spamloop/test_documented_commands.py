"""Every `spamloop ...` command line in the README and docs/ names a command that exists, with options it takes.

Commands are parsed by the CLI's own click parser (no command runs), so a renamed command or option, or a
documented flag that was never built, fails here instead of in a new user's shell.
"""

from __future__ import annotations

import re
import shlex

import click
import pytest
import typer

from spamloop.cli import app
from tests.conftest import REPO_ROOT

DOCS = [REPO_ROOT / "README.md", REPO_ROOT / "deployments" / "README.md", *sorted((REPO_ROOT / "docs").rglob("*.md"))]
FENCE = re.compile(r"^```(\w*)\s*$")
# A command: `spamloop` (or a path to it) as the command word: at the line's start, after `$(`, `&&`, `;`, `|` or an
# environment assignment, so `kubectl -n spamloop ...` is not one.
INVOCATION = re.compile(r"(?:^\s*(?:\$\s+)?(?:[A-Z_]+=\S*\s+)*|\$\(|&&\s*|;\s*|\|\s*)(?:\S*/)?spamloop (?=[a-z-]+)(.*)$")
SHELL_BLOCKS = {"", "bash", "sh", "shell", "console"}


def documented_commands() -> list[tuple[str, str]]:
    found = []
    for path in DOCS:
        if "experiments" in path.parts:
            continue  # lab history: commands of their time
        language = None
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            fence = FENCE.match(line.strip())
            if fence:
                language = fence.group(1) if language is None else None
                continue
            if language not in SHELL_BLOCKS:
                continue
            match = INVOCATION.search(line)
            if match:
                text = re.split(r"\s#\s|\s{2,}#", match.group(1))[0].rstrip().rstrip(")").rstrip(";")
                found.append((f"{path.relative_to(REPO_ROOT)}:{number}", text))
    return found


def parse(words: list[str]) -> click.Command:
    """The command ``words`` reach, parsed by click with every option checked (nothing runs); raises
    ``click.UsageError`` for an unknown command or option."""
    command, context, args = typer.main.get_command(app), None, words
    while True:
        try:
            context = command.make_context(command.name or "spamloop", list(args), parent=context)
        except click.exceptions.NoArgsIsHelpError:
            return command  # a group named alone: its help
        except click.BadParameter:
            return command  # a placeholder value (VERSION, <version>, ...); click has read every option first
        if not isinstance(command, click.Group):
            return command
        rest = [*context._protected_args, *context.args]
        if not rest:
            return command
        _, found, args = command.resolve_command(context, rest)
        assert found is not None, rest
        command = found


COMMANDS = documented_commands()


def test_the_docs_document_commands():
    assert len(COMMANDS) >= 20, COMMANDS


@pytest.mark.parametrize(("where", "line"), COMMANDS, ids=[where for where, _ in COMMANDS])
def test_documented_command_exists_with_its_options(where, line):
    try:
        words = shlex.split(line)
    except ValueError:  # an unfinished quote: the line continues in prose
        pytest.skip(f"{where}: not one shell line")
    try:
        parse(words)
    except click.UsageError as error:
        pytest.fail(f"{where}: `spamloop {line}`: {error.format_message()}")


@pytest.mark.parametrize(
    "words",
    [["registry", "shw"], ["publish", "url", "--expires-inn", "7d"], ["retrain", "--fast"], ["predict", "x", "--bundel", "d"]],
)
def test_the_check_refuses_a_command_or_option_that_does_not_exist(words):
    with pytest.raises(click.UsageError):
        parse(words)
