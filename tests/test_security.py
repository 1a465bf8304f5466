"""Security findings of issue 10 that are not about one page or the dossier: command-line output that
data cannot take over, a cap on reported errors, no partial files left by a killed batch, and one
neutralising CSV writer for every CSV the workbench writes."""

from __future__ import annotations

import ast
import csv
import io
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from support import REPO, TODAY, passing_v2
from typer.testing import CliRunner

from dtac_app.cli import app
from dtac_app.csv_safe import csv_text
from dtac_app.errors import MAX_REPORTED_ERRORS

ENV = {"COLUMNS": "250", "NO_COLOR": "1", "TERM": "dumb"}
runner = CliRunner()

# Clears the screen, retitles the window, moves the cursor, reverses the text that follows.
HOSTILE_NAME = "Evil\x1b[2J\x1b]0;pwned\x07\x1b[1;1H\u202eApp\x9b31m"


def _all_output(result: Any) -> str:
    """Everything the command printed (stdout and stderr)."""
    out = result.output
    try:
        err = result.stderr
    except ValueError:  # stderr mixed into output
        err = ""
    return out + ("" if err and err in out else err)


def _write(path: Path, data: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- terminal escapes


def test_control_characters_in_data_never_reach_the_terminal(tmp_path: Path) -> None:
    data = passing_v2()
    data["product"]["name"] = HOSTILE_NAME
    data["product"]["version"] = "1.0\x1b[8m"
    good = _write(tmp_path / "in" / "a.yaml", data)
    bad_data = dict(data, answers={**data["answers"], "Q\x1b[2J": "Yes"})
    _write(tmp_path / "bad" / "b\x1b[2J.yaml", bad_data)
    runs = [
        ["assess", str(good), "--as-of", TODAY.isoformat()],
        ["validate", str(good)],
        ["batch", str(good.parent), "--as-of", TODAY.isoformat()],
        [
            "dossier",
            str(good),
            "--as-of",
            TODAY.isoformat(),
            "--out",
            str(tmp_path / "out"),
            "--format",
            "json",
        ],
        ["validate", str(next((tmp_path / "bad").iterdir()))],
        ["batch", str(tmp_path / "bad"), "--as-of", TODAY.isoformat()],
    ]
    for args in runs:
        result = runner.invoke(app, args, env=ENV)
        text = _all_output(result)
        assert "Traceback" not in text, text
        for ch in ("\x1b", "\x07", "\x9b", "\u202e"):
            assert ch not in text, f"dtac {args[0]} printed {ch!r}: {text!r}"
    # What was stripped is shown, not silently lost: the user sees something odd is in the name.
    shown = _all_output(runner.invoke(app, ["assess", str(good), "--as-of", TODAY.isoformat()], env=ENV))
    assert "Evil\\x1b[2J" in shown


def test_the_console_keeps_its_own_styling() -> None:
    from dtac_app.terminal import SafeConsole

    buf = io.StringIO()
    SafeConsole(file=buf, force_terminal=True, highlight=False).print("[bold]ok[/] " + HOSTILE_NAME)
    out = buf.getvalue()
    assert out.startswith("\x1b[1mok\x1b[0m")  # rich's own style codes still work
    assert out.count("\x1b") == 2 and "\\x1b[2J" in out and "\\u202e" in out


# ----------------------------------------------------------------------------- error cap


def test_a_file_with_many_bad_keys_reports_a_capped_list(tmp_path: Path) -> None:
    data = passing_v2()
    data["answers"].update({f"Z{i}": "Yes" for i in range(5_000)})
    path = _write(tmp_path / "many.yaml", data)
    result = runner.invoke(app, ["validate", str(path)], env=ENV)
    text = _all_output(result)
    assert result.exit_code == 2 and "Traceback" not in text
    lines = [x for x in text.splitlines() if x.startswith("error:")]
    assert len(lines) == MAX_REPORTED_ERRORS + 1, len(lines)
    assert lines[-1].endswith(f"… and {5_000 - MAX_REPORTED_ERRORS:,} more problems (fix these first)")


# ----------------------------------------------------------------------------- batch partial files


def test_a_killed_batch_leaves_no_partial_file(tmp_path: Path) -> None:
    src = tmp_path / "many"
    base = passing_v2()
    for i in range(400):
        _write(src / f"s{i:03d}.yaml", dict(base, product={**base["product"], "name": f"App {i}"}))
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target = out_dir / "results.csv"
    cmd = [sys.executable, "-m", "dtac_app.cli", "batch", str(src), "--csv", str(target), "--workers", "1"]
    cmd += ["--as-of", TODAY.isoformat()]
    env = {**os.environ, **ENV, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # Wait (without a deadline of our own) until the run has started writing, then kill it outright.
        while proc.poll() is None and not any(p.name.endswith(".tmp") for p in out_dir.iterdir()):
            os.sched_yield()
        assert proc.poll() is None, "the batch finished before it could be killed; give it more files"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert [p for p in out_dir.iterdir() if p.name.endswith(".tmp")], (
        "the kill should have left a partial file"
    )
    # The next run into the same folder cleans up after the killed one.
    small = tmp_path / "small"
    _write(small / "one.yaml", base)
    result = runner.invoke(
        app, ["batch", str(small), "--csv", str(target), "--as-of", TODAY.isoformat()], env=ENV
    )
    assert result.exit_code == 0, _all_output(result)
    assert sorted(p.name for p in out_dir.iterdir()) == ["results.csv"]


def test_a_terminated_batch_removes_its_partial_file(tmp_path: Path) -> None:
    src = tmp_path / "many"
    base = passing_v2()
    for i in range(400):
        _write(src / f"s{i:03d}.yaml", base)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    cmd = [
        sys.executable,
        "-m",
        "dtac_app.cli",
        "batch",
        str(src),
        "--csv",
        str(out_dir / "r.csv"),
        "--workers",
        "1",
    ]
    env = {**os.environ, **ENV, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while proc.poll() is None and not any(out_dir.iterdir()):
            os.sched_yield()
        assert proc.poll() is None
        proc.terminate()
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert list(out_dir.iterdir()) == []


# ----------------------------------------------------------------------------- one CSV writer


def test_csv_text_neutralises_every_formula_cell() -> None:
    rows = [{"a": "=1+1", "b": "+SUM(A1)", "c": "-2", "d": "@cmd", "e": "\t=x", "f": "plain", "g": 3}]
    parsed = list(csv.reader(io.StringIO(csv_text(list(rows[0]), rows))))
    assert parsed[1] == ["'=1+1", "'+SUM(A1)", "'-2", "'@cmd", "'\t=x", "plain", "3"]


def test_every_csv_goes_through_the_one_writer() -> None:
    """No module writes CSV on its own (pandas to_csv, csv.writer/DictWriter) except dtac_app/csv_safe.py."""
    offenders = []
    for path in sorted((REPO / "dtac_app").rglob("*.py")):
        if path.name == "csv_safe.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in ("to_csv", "writer", "DictWriter"):
                base = node.value
                if node.attr == "to_csv" or (isinstance(base, ast.Name) and base.id == "csv"):
                    offenders.append(f"{path.relative_to(REPO)}:{node.lineno} {node.attr}")
    assert offenders == []


def test_the_csv_guard_can_fail(tmp_path: Path) -> None:
    sample = "import csv\nw = csv.DictWriter(f, [])\ndf.to_csv()\n"
    tree = ast.parse(sample)
    hits = [
        n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr in ("to_csv", "DictWriter")
    ]
    assert sorted(hits) == ["DictWriter", "to_csv"]


def test_batch_csv_is_neutralised(tmp_path: Path) -> None:
    data = passing_v2()
    data["product"]["name"] = '=HYPERLINK("http://attacker.invalid","x")'
    _write(tmp_path / "in" / "a.yaml", data)
    out = tmp_path / "r.csv"
    result = runner.invoke(
        app, ["batch", str(tmp_path / "in"), "--csv", str(out), "--as-of", TODAY.isoformat()]
    )
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8", newline="") as fh:
        [row] = list(csv.DictReader(fh))
    assert row["product"].startswith("'=")
