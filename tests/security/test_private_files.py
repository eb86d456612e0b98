"""What others on the machine must not read is created owner-only: warehouse, session key, .env, their folders."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa

from elt_project.db.engine import create_warehouse_engine
from elt_project.db.migrate import upgrade
from elt_project.launcher.configure import prepare_env_file
from elt_project.runner.security import secret_key
from elt_project.settings import load_settings

pytestmark = pytest.mark.skipif(os.name != "posix", reason="mode bits are POSIX; Windows folders decide by ACL")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def lenient_umask():
    """The usual desktop umask (0022), under which a plain create gives 0644: the case that leaked."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_a_fresh_migrate_makes_an_owner_only_warehouse_and_folder(tmp_path):
    path = tmp_path / "data" / "warehouse.db"
    engine = create_warehouse_engine(f"sqlite:///{path}")
    try:
        upgrade(engine)
        with engine.connect() as conn:  # WAL mode: the -wal and -shm files exist while a connection is open
            conn.execute(sa.text("SELECT count(*) FROM sqlite_master")).scalar()
            assert mode(path) == 0o600
            assert mode(tmp_path / "data") == 0o700
            assert {mode(path.with_name(path.name + s)) for s in ("-wal", "-shm")} == {0o600}
    finally:
        engine.dispose()


def test_a_warehouse_left_world_readable_is_tightened_when_opened(tmp_path):
    path = tmp_path / "warehouse.db"
    path.touch(mode=0o644)
    leftover_wal = tmp_path / "warehouse.db-wal"
    leftover_wal.touch(mode=0o644)
    create_warehouse_engine(f"sqlite:///{path}").dispose()
    assert mode(path) == 0o600
    assert mode(leftover_wal) == 0o600


def test_the_session_key_file_and_its_folder_are_owner_only(tmp_path):
    settings = load_settings(env={}, env_file=tmp_path / "no.env", data_dir=str(tmp_path / "fresh" / "data"))
    assert secret_key(settings)
    assert mode(settings.secret_key_path) == 0o600
    assert mode(tmp_path / "fresh" / "data") == 0o700
    assert mode(tmp_path / "fresh") == 0o700


def test_the_launcher_writes_dot_env_owner_only(tmp_path):
    (tmp_path / ".env.example").write_text("BIND_HOST=127.0.0.1\n")
    os.chmod(tmp_path / ".env.example", 0o644)
    prepare_env_file(tmp_path, interactive=False)
    assert (tmp_path / ".env").read_text() == "BIND_HOST=127.0.0.1\n"
    assert mode(tmp_path / ".env") == 0o600
