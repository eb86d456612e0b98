"""generic_sftp_downloader against a real OpenSSH server: logins, host keys, patterns, downloads."""

from __future__ import annotations

import os

import pytest

from elt_project.errors import ConfigurationError
from elt_project.ingest.sources.sftp import SftpDownloader


def key_config(remote_dir, server, **details) -> dict:
    from tests.sources.test_sftp_engine import server_fingerprint

    return {
        "sftp_details": {
            "hostname_env_var": "MY_SFTP_HOST",
            "username_env_var": "MY_SFTP_KEY_USER",
            "private_key_path_env_var": "MY_SFTP_PRIVATE_KEY_PATH",
            "remote_path": str(remote_dir),
            "file_pattern": "report-*.csv",
            "host_key_fingerprint": server_fingerprint(server),
            **details,
        },
        "parse_details": {"file_type": "csv"},
    }


def put(folder, name: str, text: str):
    path = folder / name
    path.write_text(text)
    os.chmod(path, 0o666)
    return path


def test_key_login_downloads_only_matching_files(sftp_env, remote_dir, source_context):
    put(remote_dir, "report-1.csv", "a,b\n1,2\n")
    put(remote_dir, "report-2.csv", "a,b\n3,4\n")
    put(remote_dir, "other.csv", "a,b\n5,6\n")
    (remote_dir / "report-dir.csv").mkdir()
    context = source_context()
    fetched = SftpDownloader(key_config(remote_dir, sftp_env)).fetch(context)
    assert [f.name for f in fetched] == ["report-1.csv", "report-2.csv"]
    assert [f.path.read_text() for f in fetched] == ["a,b\n1,2\n", "a,b\n3,4\n"]
    assert fetched[0].ledger_path == f"sftp://127.0.0.1:{sftp_env.port}{remote_dir}/report-1.csv"
    assert fetched[0].path.stat().st_mtime == int((remote_dir / "report-1.csv").stat().st_mtime)
    assert not list(context.work_dir.glob("*.part"))
    assert (remote_dir / "report-1.csv").exists(), "keep is the default after_download"


def test_a_relative_remote_path_is_made_absolute(sftp_env, remote_dir, source_context):
    import pwd

    home = pwd.getpwnam(sftp_env.key_user).pw_dir
    put(remote_dir, "report-1.csv", "a\n1\n")
    relative = os.path.relpath(remote_dir, home)
    [fetched] = SftpDownloader(key_config(relative, sftp_env)).fetch(source_context())
    assert fetched.ledger_path == f"sftp://127.0.0.1:{sftp_env.port}{remote_dir}/report-1.csv"


def test_password_login_with_known_hosts_file(sftp_env, remote_dir, source_context, tmp_path):
    if sftp_env.password_user is None:
        pytest.skip(sftp_env.skip_password_reason)
    put(remote_dir, "report-1.csv", "a\n1\n")
    known = tmp_path / "known_hosts"
    known.write_text(f"[127.0.0.1]:{sftp_env.port} {sftp_env.host_public_key}\n")
    config = {
        "sftp_details": {
            "hostname_env_var": "MY_SFTP_HOST",
            "username_env_var": "MY_SFTP_USER",
            "password_env_var": "MY_SFTP_PASSWORD",
            "remote_path": str(remote_dir),
            "file_pattern": "*.csv",
            "known_hosts": str(known),
        }
    }
    [fetched] = SftpDownloader(config).fetch(source_context())
    assert fetched.path.read_text() == "a\n1\n"


def test_wrong_password_is_refused_without_echoing_it(sftp_env, remote_dir, source_context, monkeypatch):
    if sftp_env.password_user is None:
        pytest.skip(sftp_env.skip_password_reason)
    monkeypatch.setenv("MY_SFTP_PASSWORD", "not-the-password")
    config = key_config(remote_dir, sftp_env, username_env_var="MY_SFTP_USER", password_env_var="MY_SFTP_PASSWORD")
    del config["sftp_details"]["private_key_path_env_var"]
    refused = "was refused; check the credentials in env vars MY_SFTP_PASSWORD"
    with pytest.raises(ConfigurationError, match=refused) as e:
        SftpDownloader(config).fetch(source_context())
    assert "not-the-password" not in str(e.value)


def test_unknown_host_key_is_refused_with_how_to_pin_it(sftp_env, remote_dir, source_context, monkeypatch, tmp_path):
    from tests.sources.test_sftp_engine import server_fingerprint

    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.ssh/known_hosts
    config = key_config(remote_dir, sftp_env)
    del config["sftp_details"]["host_key_fingerprint"]
    with pytest.raises(ConfigurationError) as caught:
        SftpDownloader(config).fetch(source_context())
    message = str(caught.value)
    assert "unknown host key" in message
    assert f'"host_key_fingerprint": "{server_fingerprint(sftp_env)}"' in message


def test_host_key_mismatch_is_refused(sftp_env, remote_dir, source_context, tmp_path):
    put(remote_dir, "report-1.csv", "a\n1\n")
    pinned = key_config(remote_dir, sftp_env, host_key_fingerprint="SHA256:" + "A" * 43)
    with pytest.raises(ConfigurationError, match="not the pinned"):
        SftpDownloader(pinned).fetch(source_context())
    other = tmp_path / "other_key"
    os.system(f"ssh-keygen -q -t ed25519 -N '' -f {other}")
    known = tmp_path / "known_hosts"
    public = " ".join((tmp_path / "other_key.pub").read_text().split()[:2])
    known.write_text(f"[127.0.0.1]:{sftp_env.port} {public}\n")
    config = key_config(remote_dir, sftp_env, known_hosts=str(known))
    del config["sftp_details"]["host_key_fingerprint"]
    with pytest.raises(ConfigurationError, match="differs from"):
        SftpDownloader(config).fetch(source_context())


def test_config_is_checked_before_connecting():
    with pytest.raises(ConfigurationError, match="'remote_path'"):
        SftpDownloader({"sftp_details": {"hostname_env_var": "H", "username_env_var": "U", "file_pattern": "*"}})
    with pytest.raises(ConfigurationError, match="password_env_var' or 'private_key_path_env_var"):
        SftpDownloader(
            {
                "sftp_details": {
                    "hostname_env_var": "H",
                    "username_env_var": "U",
                    "remote_path": "/",
                    "file_pattern": "*",
                }
            }
        )
    with pytest.raises(ConfigurationError, match="after_download 'archive'"):
        SftpDownloader(
            {
                "sftp_details": {
                    "hostname_env_var": "H",
                    "username_env_var": "U",
                    "remote_path": "/",
                    "file_pattern": "*",
                    "password_env_var": "P",
                },
                "after_download": "archive",
            }
        )
