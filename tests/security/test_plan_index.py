"""PLAN.md maps every case of the attack plan to its tests: every case of SECURITY.md part 2
is listed, every named test exists, every case that does not apply yet names a file here
that says why and holds one skipped test, and the findings being fixed elsewhere are
marked as such."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PLAN = HERE / "PLAN.md"
SECURITY = ROOT.parent / "shared" / "SECURITY.md"  # shared/ beside the checkout
IN_PROGRESS = "covered by the fix's test (in progress)"
STATUSES = {"covered", "partly", "does not apply yet", "later issue", "in progress"}
# Findings of the attack pass being fixed in parallel: their tests come with the fixes.
BEING_FIXED: set[str] = set()
SECTIONS = {"A": range(1, 13), "B": range(13, 23), "C": range(23, 25), "D": range(25, 30)}
SECTIONS |= {"E": range(30, 37), "F": range(37, 46)}


def plan_rows() -> dict[str, tuple[str, list[str], str]]:
    rows = {}
    for line in PLAN.read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 4 or not re.fullmatch(r"[A-Z][0-9]+[a-z]?", cells[0]):
            continue
        assert cells[0] not in rows, f"{cells[0]} is in PLAN.md twice"
        tests = [t.strip() for t in cells[2].split(",") if t.strip()]
        rows[cells[0]] = (cells[1], tests, cells[3])
    return rows


def part_two_cases() -> set[str]:
    """The case ids of SECURITY.md part 2 (read from shared/ when it is beside the
    checkout, else the plan's fixed numbering A1-F45)."""
    fixed = {f"{letter}{n}" for letter, numbers in SECTIONS.items() for n in numbers}
    if not SECURITY.exists():
        return fixed
    part = SECURITY.read_text().split("## Part 2", 1)[1]
    found, section = set(), ""
    for line in part.splitlines():
        if heading := re.match(r"### ([A-F])\.", line):
            section = heading.group(1)
        elif item := re.match(r"(\d+)\. \*\*", line):
            found.add(f"{section}{item.group(1)}")
    assert found == fixed, "SECURITY.md part 2 changed: update SECTIONS and PLAN.md"
    return found


def test_every_case_of_the_plan_is_mapped() -> None:
    rows = plan_rows()
    missing = part_two_cases() - set(rows)
    assert not missing, f"cases missing from PLAN.md: {sorted(missing)}"
    for case, (status, tests, note) in rows.items():
        assert status in STATUSES, f"{case}: status {status!r}"
        assert tests, f"{case}: no test or file named"
        if status == "later issue":
            assert re.search(r"issue \d+", note), f"{case}: which issue?"


def test_the_findings_being_fixed_elsewhere_are_marked_in_progress() -> None:
    rows = plan_rows()
    for case in BEING_FIXED:
        assert case in rows, f"{case} is missing"
        assert rows[case][:2] == ("in progress", [IN_PROGRESS]), case
    others = {case for case, row in rows.items() if row[0] == "in progress"} - BEING_FIXED
    assert not others, f"in progress, but fixed by no one: {sorted(others)}"


def _functions(path: Path) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    tree = ast.parse(path.read_text())
    return {
        node.name: node
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def _path(name: str) -> Path:
    return ROOT / name.replace("sec/", "tests/security/", 1)


def test_every_test_named_exists() -> None:
    missing = []
    for case, (status, tests, _) in plan_rows().items():
        for test in tests:
            if test == IN_PROGRESS:
                continue
            file, _, function = test.partition("::")
            path = _path(file)
            if not path.exists():
                missing.append(f"{case}: {file}")
            elif function and function not in _functions(path):
                missing.append(f"{case}: {test}")
            elif not function and status != "does not apply yet":
                missing.append(f"{case}: {test} names no test")
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize(
    "name",
    sorted({t for s, tests, _ in plan_rows().values() if s == "does not apply yet" for t in tests}),
)
def test_a_case_that_does_not_apply_yet_has_its_file_waiting(name: str) -> None:
    path = _path(name)
    tree = ast.parse(path.read_text())
    docstring = " ".join((ast.get_docstring(tree) or "").split())
    assert docstring.startswith("Does not apply yet:"), name
    assert "Why:" in docstring and "this file gets" in docstring, name
    tests = [f for f in _functions(path).values() if f.name.startswith("test_")]
    assert len(tests) == 1, name
    decorators = [ast.unparse(d) for d in tests[0].decorator_list]
    assert any(d.startswith("pytest.mark.skip(") and "ISSUE" in d for d in decorators), name
