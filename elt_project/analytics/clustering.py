"""On-the-fly clustering: k-means on a few numeric columns, with k chosen by silhouette.

Two ways to pick what is clustered: the rows of a table by some numeric columns,
or the members of a dimension (say ``customer_id``) by aggregates computed in SQL
(sum and average of a measure, and the number of rows). Both are bounded: past
:data:`MAX_POINTS` points a seeded uniform sample is clustered, and the result says
so. Features are standardised first, so a column in thousands does not outweigh
one in units.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from elt_project.errors import ConfigurationError
from elt_project.pipeline.tables import reflect_table, require_column

MAX_POINTS = 20_000
K_RANGE = range(2, 9)
_SILHOUETTE_SAMPLE = 4_000
_FETCH = 20_000


@dataclass
class ClusterResult:
    """The clustered points, the chosen k, the silhouette of each k tried, one line per cluster."""

    points: pd.DataFrame  # the features plus a "cluster" column (1-based)
    features: list[str]
    k: int
    silhouettes: dict[int, float]
    profiles: list[str]
    total_points: int
    sampled: bool = False
    notes: list[str] = field(default_factory=list)


def _sample(rows, limit: int, seed: int) -> tuple[list, int]:
    """A uniform reservoir sample of at most ``limit`` rows from a stream, and how many there were."""
    rng = np.random.default_rng(seed)
    kept: list = []
    seen = 0
    for row in rows:
        seen += 1
        if len(kept) < limit:
            kept.append(row)
        else:
            slot = int(rng.integers(0, seen))
            if slot < limit:
                kept[slot] = row
    return kept, seen


def _stream(engine: Engine, query) -> object:
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True).execute(query)
        while chunk := result.fetchmany(_FETCH):
            yield from (tuple(r) for r in chunk)


def load_points(
    engine: Engine,
    table_name: str,
    columns: list[str],
    *,
    dimension: str | None = None,
    max_points: int = MAX_POINTS,
    seed: int = 0,
) -> tuple[pd.DataFrame, int]:
    """The points to cluster (numeric features; the dimension's value as index) and their full count."""
    table = reflect_table(engine, table_name, what="table")
    measures = [require_column(table, name, context="Clustering") for name in columns]
    if not measures:
        raise ConfigurationError("Choose at least one numeric column to cluster by.")
    if dimension:
        key = require_column(table, dimension, context="Clustering")
        selected = [key]
        names = []
        for column in measures:
            selected += [sa.func.sum(column), sa.func.avg(column)]
            names += [f"total_{column.name}", f"average_{column.name}"]
        selected.append(sa.func.count())
        names.append("rows")
        query = sa.select(*selected).group_by(key)
    else:
        query = sa.select(*measures).where(*(c.is_not(None) for c in measures))
        names = [c.name for c in measures]
    rows, total = _sample(_stream(engine, query), max_points, seed)
    if dimension:
        frame = pd.DataFrame([r[1:] for r in rows], columns=names, index=[r[0] for r in rows])
    else:
        frame = pd.DataFrame(rows, columns=names)
    frame = frame.apply(pd.to_numeric, errors="coerce").astype(float).dropna()
    return frame, total


def cluster(frame: pd.DataFrame, *, k_range: range = K_RANGE, seed: int = 0) -> tuple[np.ndarray, int, dict]:
    """Labels (0-based), the k with the best silhouette, and the silhouette of each k tried."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score
    from sklearn.preprocessing import StandardScaler

    if len(frame) < 3:
        raise ConfigurationError("Clustering needs at least three rows with numbers in every chosen column.")
    scaled = StandardScaler().fit_transform(frame.to_numpy())
    rng = np.random.default_rng(seed)
    check = rng.choice(len(scaled), size=min(len(scaled), _SILHOUETTE_SAMPLE), replace=False)
    scores, labels = {}, {}
    for k in k_range:
        if k >= len(scaled):
            break
        model = KMeans(n_clusters=k, n_init=4, random_state=seed).fit(scaled)
        if len(set(model.labels_[check])) < 2:
            continue
        scores[k] = float(silhouette_score(scaled[check], model.labels_[check]))
        labels[k] = model.labels_
    if not scores:
        raise ConfigurationError("The chosen columns do not vary enough to form clusters; pick other columns.")
    best = max(scores, key=lambda k: (round(scores[k], 6), -k))
    return labels[best], best, scores


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"


def profiles(frame: pd.DataFrame, labels: np.ndarray) -> list[str]:
    """One line per cluster: its size and each feature's mean against the overall mean."""
    overall = frame.mean()
    spread = frame.std().replace(0, 1)
    lines = []
    for cluster_id in sorted(set(labels)):
        members = frame[labels == cluster_id]
        parts = []
        for name in frame.columns:
            z = (members[name].mean() - overall[name]) / spread[name]
            word = "high" if z > 0.5 else "low" if z < -0.5 else "typical"
            parts.append(f"{name} {word} ({_fmt(members[name].mean())} vs {_fmt(overall[name])})")
        share = len(members) / len(frame)
        lines.append(f"Cluster {cluster_id + 1} ({len(members):,} points, {share:.0%}): " + ", ".join(parts))
    return lines


def cluster_table(
    engine: Engine, table_name: str, columns: list[str], *, dimension: str | None = None, max_points: int = MAX_POINTS
) -> ClusterResult:
    """Load, cluster and describe; see the module docstring."""
    frame, total = load_points(engine, table_name, columns, dimension=dimension, max_points=max_points)
    labels, k, scores = cluster(frame)
    points = frame.copy()
    points["cluster"] = labels + 1
    result = ClusterResult(
        points=points,
        features=list(frame.columns),
        k=k,
        silhouettes=scores,
        profiles=profiles(frame, labels),
        total_points=total,
        sampled=total > max_points,
    )
    if result.sampled:
        result.notes.append(
            f"{total:,} points are too many to cluster at once; a random sample of {len(frame):,} was used."
        )
    return result


#: Name endings of columns that identify rows rather than measure them.
_KEY_ENDINGS = ("_id", "_key", "_number", "_no", "_code")
#: Rows read to tell a unique integer column (a surrogate key) from a measure.
_KEY_SAMPLE = 5_000


def identifier_columns(engine: Engine, table_name: str, numeric: list[str]) -> list[str]:
    """The ``numeric`` columns that are keys, not measures: clustering on them finds ID ranges.

    A key is a primary or foreign key column, a column named ``id`` or ``*_id``,
    ``*_key``, ``*_number``, ``*_no``, ``*_code``, or an integer column whose values
    are all different in the first :data:`_KEY_SAMPLE` rows.
    """
    table = reflect_table(engine, table_name, what="table")
    keys = {c.name for c in table.primary_key.columns} | {fk.parent.name for fk in table.foreign_keys}
    keys |= {n for n in numeric if n.lower() in ("id", "key", "rowid") or n.lower().endswith(_KEY_ENDINGS)}
    integers = [n for n in numeric if n not in keys and n in table.c and isinstance(table.c[n].type, sa.Integer)]
    if integers:
        sample = sa.select(*(table.c[n] for n in integers)).limit(_KEY_SAMPLE).subquery()
        query = sa.select(sa.func.count(), *(sa.func.count(sa.distinct(sample.c[n])) for n in integers))
        with engine.connect() as conn:
            rows, *distinct = conn.execute(query).one()
        keys |= {n for n, d in zip(integers, distinct) if rows > 20 and d == rows}
    return [n for n in numeric if n in keys]


def default_features(engine: Engine, table_name: str, numeric: list[str], *, count: int = 2) -> list[str]:
    """The first ``count`` numeric columns that are measures (keys left out), to preselect."""
    keys = set(identifier_columns(engine, table_name, numeric))
    return [n for n in numeric if n not in keys][:count]
