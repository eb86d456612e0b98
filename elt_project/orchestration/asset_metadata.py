"""The metadata a staging step shows in Dagster's UI: counts, files, duration and a preview table."""

from __future__ import annotations

import dagster as dg

PREVIEW_ROWS = 5


def staging_metadata(result) -> dict:
    """Dagster metadata of a :class:`StageResult`: counts, files, duration and a preview."""
    files = [f"{f.path.name} ({f.status}, sha256 {f.content_hash[:12]})" for f in result.files]
    return {
        "dagster/row_count": dg.MetadataValue.int(result.rows_staged),
        "rows_read": dg.MetadataValue.int(result.rows_read),
        "rows_staged": dg.MetadataValue.int(result.rows_staged),
        "rows_rejected": dg.MetadataValue.int(result.rows_rejected),
        "files": dg.MetadataValue.json(
            [
                {"name": f.path.name, "sha256": f.content_hash, "status": f.status, "rows": f.rows_read}
                for f in result.files
            ]
        ),
        "file_names": ", ".join(files) or "(no new files)",
        "duration_s": dg.MetadataValue.float(round(result.duration_s, 3)),
        "quality_failed": result.quality_failed,
        "preview": dg.MetadataValue.md(markdown_table(result.preview[:PREVIEW_ROWS])),
    }


def markdown_table(rows: list[dict]) -> str:
    """A small Markdown table; cell text is escaped so a '|' in the data cannot break it."""
    if not rows:
        return "_no rows staged_"
    columns = list(rows[0].keys())

    def cell(value: object) -> str:
        text = "" if value is None else str(value)
        return text.replace("|", "\\|").replace("\n", " ")[:80]

    lines = ["| " + " | ".join(cell(c) for c in columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(row.get(c)) for c in columns) + " |" for row in rows]
    return "\n".join(lines)
