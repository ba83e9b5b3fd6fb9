"""gunicorn.conf.py: the workers the image runs, its overrides, and that gunicorn serves with it."""

import os
import runpy
import urllib.request

import pytest
from django.db import connection

from devtools.load.server import GUNICORN_CONFIG, Gunicorn, portal_env

CONFIG_VARIABLES = ("WEB_CONCURRENCY", "GUNICORN_THREADS")


def read_config(monkeypatch, **env):
    for name in CONFIG_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(GUNICORN_CONFIG))


def test_default_is_one_sync_worker_per_available_core(monkeypatch):
    config = read_config(monkeypatch)

    assert config["workers"] == len(os.sched_getaffinity(0))
    assert config["threads"] == 1
    assert config["worker_class"] == "sync"
    assert config["wsgi_app"] == "aidtracker.wsgi"
    assert config["timeout"] == 30


def test_threads_switch_to_gthread_workers(monkeypatch):
    config = read_config(monkeypatch, WEB_CONCURRENCY="5", GUNICORN_THREADS="4")

    assert (config["workers"], config["threads"], config["worker_class"]) == (5, 4, "gthread")


def test_an_empty_variable_means_the_default(monkeypatch):
    config = read_config(monkeypatch, WEB_CONCURRENCY=" ", GUNICORN_THREADS="")

    assert config["workers"] == len(os.sched_getaffinity(0))
    assert config["threads"] == 1


@pytest.mark.parametrize("value", ["0", "-2"])
def test_a_count_below_one_is_refused_by_name(monkeypatch, value):
    with pytest.raises(
        ValueError, match=f"GUNICORN_THREADS must be a positive whole number, not '{value}'"
    ):
        read_config(monkeypatch, GUNICORN_THREADS=value)


def test_a_word_is_refused(monkeypatch):
    with pytest.raises(ValueError, match="invalid literal"):
        read_config(monkeypatch, WEB_CONCURRENCY="many")


def child_database_env():
    """Environment that points a child process at this test run's database."""
    params = connection.settings_dict
    if connection.vendor == "mysql":
        url = (
            f"mysql://{params['USER']}:{params['PASSWORD']}@{params['HOST'] or '127.0.0.1'}:"
            f"{params['PORT'] or 3306}/{params['NAME']}"
        )
        return {"DATABASE_URL": url}
    return {"DATABASE_URL": "", "SQLITE_PATH": str(params["NAME"])}


@pytest.mark.django_db(transaction=True)
def test_gunicorn_serves_the_portal_with_this_config(tmp_path):
    """The image's command, with its config file and production settings, answers."""
    env = portal_env("", tmp_path / "static", **child_database_env())
    env.pop("WEB_CONCURRENCY", None)
    server = Gunicorn(env, workers=2, threads=1, workdir=tmp_path)
    try:
        server.start(timeout=60)  # returns once /readyz says 200 and both workers run
        with urllib.request.urlopen(f"{server.base_url}/healthz", timeout=10) as response:
            assert response.status == 200
        assert len(server.worker_pids()) == 2
    finally:
        server.stop()
    assert server.error_lines() == []
    assert "Using worker: sync" in server.log_path.read_text()
