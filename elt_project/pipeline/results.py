"""What the engine reports back to its callers (Dagster assets, the CLI, the web runner).

Plain dataclasses so callers can turn them into Dagster metadata, CLI tables or
JSON without knowing how the engine works.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal


@dataclass(frozen=True)
class FileOutcome:
    """One source file seen by a run."""

    path: Path
    content_hash: str
    size: int
    status: Literal["staged", "duplicate", "failed", "refused"]
    rows_read: int = 0
    message: str | None = None


@dataclass(frozen=True)
class QualityOutcome:
    """One data-quality rule evaluated on one run's staged rows."""

    rule_name: str
    check_type: str
    severity: Literal["FAIL", "WARN"]
    column: str | None
    passed: bool
    failing_rows: int
    samples: list = field(default_factory=list)
    message: str = ""

    @property
    def blocks(self) -> bool:
        """True when this outcome must stop the run before the transform."""
        return not self.passed and self.severity == "FAIL"


@dataclass
class StageResult:
    """The outcome of parse → map → enrich → stage → quality for one import in one run."""

    import_name: str
    pipeline_name: str
    run_id: str
    staging_table: str
    files: list[FileOutcome] = field(default_factory=list)
    rows_read: int = 0
    rows_staged: int = 0
    rows_rejected: int = 0
    quality: list[QualityOutcome] = field(default_factory=list)
    preview: list[dict] = field(default_factory=list)
    duration_s: float = 0.0
    #: Seconds per step ("load": parse → stage, "quality": the rules), for metadata and benchmarks.
    timings: dict[str, float] = field(default_factory=dict)
    #: What the run must say about the files' columns (new columns left out by ``ignore_new``).
    notes: list[str] = field(default_factory=list)

    @property
    def quality_failed(self) -> bool:
        return any(outcome.blocks for outcome in self.quality)

    @property
    def staged_files(self) -> list[FileOutcome]:
        return [f for f in self.files if f.status == "staged"]


@dataclass
class TransformResult:
    """The outcome of dedup → transform for the imports of one group staged in one run."""

    pipeline_name: str
    run_id: str
    imports: list[str] = field(default_factory=list)
    rows_loaded: dict[str, int] = field(default_factory=dict)
    rows_deduplicated: dict[str, int] = field(default_factory=dict)
    #: Rows of earlier loads removed by a reload, per append import.
    rows_replaced: dict[str, int] = field(default_factory=dict)
    truncated_tables: list[str] = field(default_factory=list)
    activated_imports: list[str] = field(default_factory=list)
    duration_s: float = 0.0
    #: Rows the run's staging step already loaded straight into the destinations, per import
    #: (a Dagster run on the direct path): this transform had nothing left to do.
    loaded_directly: dict[str, int] = field(default_factory=dict)


@dataclass
class RunSummary:
    """Stage results plus the transform, for one import or one group run end to end."""

    run_id: str
    stages: list[StageResult] = field(default_factory=list)
    transform: TransformResult | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        """True when an import of the run failed (its error is in ``errors``)."""
        return bool(self.errors)
