# SPDX-License-Identifier: MPL-2.0
"""The docs point at code that exists: every `civicloop/…` path and `civicloop.<app>.<module>` name
cited in docs/*.md resolves in the tree, so a move or a rename that forgets the docs fails here."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
DOCS = sorted((ROOT / "docs").glob("*.md"))
APPS = {path.name for path in (ROOT / "civicloop").iterdir() if path.is_dir()}

# `civicloop/cases/actions/intake.py`, `civicloop/*/subscribers.py`, `civicloop/relay/`; a path
# followed by a placeholder (`civicloop/<app>/ja.py`) or by `|` (the audit seal's message prefix
# `civicloop/audit/v1|…`) is not a file reference.
PATH = re.compile(r"(?<![\w/.])civicloop/[\w./*\-]*+(?![<{|])")
# `civicloop.cases.consumer.apply`: an app, then a module or package, then optionally a name in it.
DOTTED = re.compile(r"(?<![\w/.])civicloop(?:\.\w+){2,}")


def cited_paths(text: str) -> list[str]:
    return [match.group(0).rstrip(".") for match in PATH.finditer(text)]


def path_exists(cited: str) -> bool:
    if "*" in cited:
        return any(ROOT.glob(cited))
    return (ROOT / cited).exists()


def dotted_resolves(cited: str) -> bool:
    """The longest prefix that is a module or package, and the rest a name defined in it."""
    parts = cited.split(".")
    for end in range(len(parts), 1, -1):
        base = ROOT.joinpath(*parts[:end])
        source = base.with_suffix(".py") if base.with_suffix(".py").exists() else base / "__init__.py"
        if source.exists() or base.is_dir():
            rest = parts[end:]
            if not rest:
                return True
            text = source.read_text() if source.exists() else ""
            return re.search(rf"\b{re.escape(rest[0])}\b", text) is not None
    return False


@pytest.mark.parametrize("doc", DOCS, ids=lambda path: path.name)
def test_every_civicloop_path_a_doc_cites_exists(doc: Path) -> None:
    missing = [cited for cited in cited_paths(doc.read_text()) if not path_exists(cited)]

    assert missing == []


@pytest.mark.parametrize("doc", DOCS, ids=lambda path: path.name)
def test_every_civicloop_module_name_a_doc_cites_exists(doc: Path) -> None:
    cited = [m.group(0) for m in DOTTED.finditer(doc.read_text()) if m.group(0).split(".")[1] in APPS]
    missing = [name for name in cited if not dotted_resolves(name)]

    assert missing == []


def test_the_checks_see_a_missing_path_and_a_missing_name() -> None:
    assert cited_paths("`civicloop/cases/actions.py`, `civicloop/<app>/ja.py`, `civicloop/audit/v1|k`.") == [
        "civicloop/cases/actions.py"
    ]
    assert not path_exists("civicloop/cases/actions.py")
    assert path_exists("civicloop/cases/actions/intake.py")
    assert path_exists("civicloop/*/subscribers.py")
    assert dotted_resolves("civicloop.cases.consumer.apply")
    assert not dotted_resolves("civicloop.cases.actions.decide_case")
