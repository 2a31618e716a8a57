"""`taskmine export process` through the command's entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from explorer.workflow import validate_workflow
from taskmine.cli import main


@pytest.mark.parametrize(
    "fmt", ["bpmn", "pdd", "workflow", "xes", "csv", "pdd-md", "skeleton", "robot"]
)
def test_export_process_writes_each_format(dev_db: Path, tmp_path: Path, fmt: str, capsys) -> None:
    out = tmp_path / f"process.{fmt}"
    assert (
        main(["export", "process", "0", "--db", str(dev_db), "--format", fmt, "--out", str(out)])
        == 0
    )
    assert out.stat().st_size > 100
    assert f"wrote {out}" in capsys.readouterr().err
    if fmt == "workflow":
        validate_workflow(json.loads(out.read_text()))


def test_export_into_a_folder_uses_the_process_name(dev_db: Path, tmp_path: Path) -> None:
    assert (
        main(
            [
                "export",
                "process",
                "1",
                "--db",
                str(dev_db),
                "--format",
                "csv",
                "--out",
                str(tmp_path),
            ]
        )
        == 0
    )
    assert (tmp_path / "look-up-customer.csv").exists()


def test_export_of_an_unknown_process_or_run_is_one_clear_line(
    dev_db: Path, tmp_path: Path, capsys
) -> None:
    out = str(tmp_path / "x.json")
    assert (
        main(["export", "process", "9", "--db", str(dev_db), "--format", "workflow", "--out", out])
        == 1
    )
    assert "no candidate process '9'" in capsys.readouterr().err
    assert (
        main(
            [
                "export",
                "process",
                "0",
                "--db",
                str(dev_db),
                "--format",
                "workflow",
                "--out",
                out,
                "--run",
                "5",
            ]
        )
        == 1
    )
    assert "mining run 5 does not exist" in capsys.readouterr().err
