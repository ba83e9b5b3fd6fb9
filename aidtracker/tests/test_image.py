"""What the Docker image copies: the runtime, without tests, benchmarks or docs.

No Docker engine runs where the suite runs, so this reads .dockerignore as the
builder does (a path is left out when its last matching pattern excludes it) and
applies it to the files git tracks.
"""

import fnmatch
import subprocess

from django.conf import settings


def dockerignore_patterns():
    lines = (settings.BASE_DIR / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def matches(prefix, pattern):
    """`**/name` matches `name` at any depth; other patterns match from the top."""
    if pattern.startswith("**/"):
        return fnmatch.fnmatch(prefix.rsplit("/", 1)[-1], pattern[3:])
    return fnmatch.fnmatch(prefix, pattern)


def ignored(path, patterns):
    """Docker's rule: a path or any folder above it matched; the last pattern wins."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    excluded = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").rstrip("/")
        if any(matches(prefix, pattern) for prefix in prefixes):
            excluded = not negate
    return excluded


def image_files():
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=settings.BASE_DIR, capture_output=True, text=True, check=True
    ).stdout.split()
    patterns = dockerignore_patterns()
    return [path for path in tracked if not ignored(path, patterns)]


def test_the_image_carries_no_tests_benchmarks_or_docs():
    files = image_files()
    assert [f for f in files if "/tests/" in f or f.startswith(("bench/", "docs/"))] == []
    assert [f for f in files if f.startswith("devtools/")] == []
    assert "conftest.py" not in files
    assert "aidtracker/settings/test.py" not in files


def test_the_image_carries_the_runtime():
    files = set(image_files())
    for needed in (
        "manage.py",
        "gunicorn.conf.py",
        "docker/entrypoint.sh",
        "aidtracker/wsgi.py",
        "aidtracker/settings/production.py",
        "distribution/services.py",
        "reports/management/commands/rebuild_rollup.py",
        "templates/base.html",
        "requirements.txt",
    ):
        assert needed in files, needed
