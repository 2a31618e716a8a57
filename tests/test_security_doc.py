"""docs/security.md names a test for each promise: every named test must exist."""

from __future__ import annotations

import ast
import re

from tests.paths import REPO

REFERENCE = re.compile(r"`(tests/[\w/]+\.py)::(test_\w+)`")


def _test_names(path: str) -> set[str]:
    tree = ast.parse((REPO / path).read_text(encoding="utf-8"))
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}


def test_every_test_named_in_the_security_doc_exists():
    doc = (REPO / "docs" / "security.md").read_text(encoding="utf-8")
    references = REFERENCE.findall(doc)
    assert len(references) >= 30  # the doc still names its tests
    missing = [f"{path}::{name}" for path, name in references if name not in _test_names(path)]
    assert not missing, f"docs/security.md names tests that do not exist: {missing}"
