"""Hand-written parsers for files the generic ones cannot read.

Each takes the file path as a string and returns a pandas DataFrame. A function
here runs only once its name is added to ``ALLOWED_CUSTOM_PARSERS`` in
:mod:`elt_project.ingest.registry` (names from the database never reach getattr).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from elt_project.errors import SourceFileError
from elt_project.ingest.footer import find_last_line_containing, limited_binary

REPORT_FOOTER_MARKER = "END OF REPORT"
REPORT_TITLE_LINES = 2


def parse_report_with_footer(file_path: str) -> pd.DataFrame:
    """A CSV export with 2 title lines above the column header and a footer.

    The footer starts at the last line containing "END OF REPORT"; it and all
    lines after it are dropped. The marker is found by scanning the file's tail,
    and pandas reads only the bytes before it, so no line list is built in memory.
    Exports of this kind are latin1 (a superset that never fails to decode).
    """
    path = Path(file_path)
    footer_at = find_last_line_containing(path, REPORT_FOOTER_MARKER.encode("latin1"))
    try:
        with limited_binary(path, footer_at) as handle:
            return pd.read_csv(
                handle,
                encoding="latin1",
                skiprows=REPORT_TITLE_LINES,
                dtype=str,
                keep_default_na=False,
                na_values=[""],
            )
    except pd.errors.EmptyDataError as exc:
        raise SourceFileError(f"{path.name}: file is empty below its title lines; check the export.") from exc
    except pd.errors.ParserError as exc:
        reason = str(exc).strip()  # pandas ends its message with a line break
        raise SourceFileError(f"{path.name}: the report body is not valid CSV ({reason}); check the export.") from exc
