"""Workbooks that would exhaust memory are refused quickly: a sharedStrings zip bomb and a 16,384-column sheet.

The files are built here with zipfile from a small real workbook; the big cases are
parsed in a subprocess that reports its own peak memory (resource.getrusage).
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from elt_project.errors import SourceFileError
from elt_project.ingest.zip_guard import ZipLimits, check_zip
from tests.ingest.conftest import read_all

ROOT = Path(__file__).resolve().parents[2]
SHARED = "xl/sharedStrings.xml"
SHEET = "xl/worksheets/sheet1.xml"
MAIN = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'

#: Parse one file as the pipeline does and report the outcome, the wall and CPU seconds and the peak RSS in MB.
#: The limit is on CPU seconds (imports included): the machine may be busy with other work.
MEASURE = """
import json, resource, sys, time
from pathlib import Path
started = time.monotonic()
from elt_project.errors import SourceFileError
from elt_project.ingest.reader import read_batches
try:
    rows = sum(b.num_rows for b in read_batches(Path(sys.argv[1]), file_type="excel"))
    outcome = f"loaded {rows} rows"
except SourceFileError as exc:
    outcome = f"refused: {exc}"
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"outcome": outcome, "seconds": time.monotonic() - started,
                  "cpu_seconds": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024}))
"""


def small_workbook(path: Path) -> Path:
    book = openpyxl.Workbook()
    book.active.append(["name", "amount"])
    book.active.append(["a", 1])
    book.save(path)
    return path


def replace_member(source: Path, target: Path, name: str, write, content_type: str | None = None) -> Path:
    """A copy of ``source`` with member ``name`` written by ``write(handle)`` (streamed, so nothing big is held).

    ``content_type`` declares the member in ``[Content_Types].xml`` (how readers find the shared strings).
    """
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "[Content_Types].xml" and content_type:
                override = f'<Override PartName="/{name}" ContentType="{content_type}"/></Types>'
                data = data.replace(b"</Types>", override.encode())
            if info.filename != name:
                out.writestr(info, data)
        with out.open(name, "w", force_zip64=True) as handle:
            write(handle)
    return target


def shared_strings_bomb(tmp: Path, unpacked_mb: int) -> Path:
    def write(handle):
        handle.write(b'<?xml version="1.0"?><sst ' + MAIN + b">")
        chunk = (b"<si><t>" + b"a" * 1000 + b"</t></si>") * 1024
        for _ in range(unpacked_mb * (1 << 20) // len(chunk)):
            handle.write(chunk)
        handle.write(b"</sst>")

    kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
    return replace_member(small_workbook(tmp / "plain.xlsx"), tmp / "bomb.xlsx", SHARED, write, kind)


def wide_sheet(tmp: Path, columns: int, rows: int) -> Path:
    """A sheet ``columns`` wide and ``rows`` deep of varied numbers (so it packs like real data, not like a bomb)."""

    def write(handle):
        handle.write(b'<?xml version="1.0"?><worksheet ' + MAIN + b"><sheetData>")
        for r in range(1, rows + 1):
            cells = "".join(f"<c><v>{(r * 7919 + c * 104729) % 1000003}</v></c>" for c in range(columns))
            handle.write(f'<row r="{r}">{cells}</row>'.encode())
        handle.write(b"</sheetData></worksheet>")

    return replace_member(small_workbook(tmp / "plain.xlsx"), tmp / "wide.xlsx", SHEET, write)


def measure(path: Path) -> dict:
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    # Started from a small interpreter: Linux carries a process's peak RSS across fork and exec, so a child
    # forked straight from this (large) test process would report this process's memory as its own.
    launcher = "import subprocess, sys; sys.exit(subprocess.call(sys.argv[1:]))"
    command = [sys.executable, "-c", launcher, sys.executable, "-c", MEASURE, str(path)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_a_400_mb_shared_strings_bomb_is_refused_fast_and_small(tmp_path):
    bomb = shared_strings_bomb(tmp_path, 400)
    assert bomb.stat().st_size < 2 * (1 << 20)  # about 1 MB on disk
    result = measure(bomb)
    assert result["outcome"].startswith("refused: bomb.xlsx was not read: its part xl/sharedStrings.xml"), result
    assert result["cpu_seconds"] < 5 and result["rss_mb"] < 200, result


@pytest.mark.slow
def test_a_16384_column_sheet_is_refused_fast_and_small(tmp_path):
    wide = wide_sheet(tmp_path, 16_384, 60)
    result = measure(wide)
    assert result["outcome"].startswith("refused: wide.xlsx: a sheet's first row has more than 1,024 columns"), result
    assert result["cpu_seconds"] < 5 and result["rss_mb"] < 200, result


def test_member_size_ratio_and_total_are_bounded(tmp_path):
    bomb = shared_strings_bomb(tmp_path, 8)
    with pytest.raises(SourceFileError, match="unpacks .* times its packed size"):
        check_zip(bomb)
    with pytest.raises(SourceFileError, match=r"sharedStrings.xml unpacks to [78] MB \(limit 4\)"):
        check_zip(bomb, ZipLimits(max_in_memory_bytes=4 << 20, max_ratio=1e9))
    with pytest.raises(SourceFileError, match="more than 0 MB"):
        check_zip(bomb, ZipLimits(max_total_bytes=1 << 10, max_ratio=1e9))
    check_zip(small_workbook(tmp_path / "fine.xlsx"))  # a real workbook passes


def test_the_parser_refuses_a_bomb_and_still_reads_a_real_workbook(tmp_path):
    with pytest.raises(SourceFileError, match="bomb.xlsx was not read"):
        read_all(shared_strings_bomb(tmp_path, 8), file_type="excel")
    _, table = read_all(small_workbook(tmp_path / "ok.xlsx"), file_type="excel")
    assert table.column("name").to_pylist() == ["a"]


def test_a_sheet_of_1024_columns_loads_and_one_wider_is_refused(tmp_path):
    _, table = read_all(wide_sheet(tmp_path, 1024, 3), file_type="excel")
    assert table.num_columns == 1024 and table.num_rows == 2
    with pytest.raises(SourceFileError, match="more than 1,024 columns"):
        read_all(wide_sheet(tmp_path, 1025, 3), file_type="excel")
