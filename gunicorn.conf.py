"""gunicorn settings for the portal: the image's CMD and the load benchmarks both use them.

gunicorn reads this file from its working directory (`/app` in the image). The
defaults are what measured fastest under load on a two-core host that runs MariaDB
too (docs/RELIABILITY.md, "gunicorn workers and threads"): one sync worker per
core. A request's time is mostly Python's CPU, so a second thread in a worker only
waits for the GIL, and more processes than cores only take turns on them; at 16
clients either doubled the p95 of the distribution form. A sync worker takes a
connection only when it is free, so no request queues behind a slow one while
another worker is idle. It reads each request itself, so it must sit behind a
buffering reverse proxy (the TLS proxy the README asks for), never face clients.

WEB_CONCURRENCY sets the workers; GUNICORN_THREADS above 1 switches to gthread
workers with that many threads, for a database on another host, where requests
spend longer waiting for it.
"""

import os


def _available_cores():
    """Cores this process may run on (a container's cpuset, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _positive_int(name, default):
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    number = int(value)
    if number < 1:
        raise ValueError(f"{name} must be a positive whole number, not {value!r}")
    return number


wsgi_app = "aidtracker.wsgi"
workers = _positive_int("WEB_CONCURRENCY", _available_cores())
threads = _positive_int("GUNICORN_THREADS", 1)
worker_class = "gthread" if threads > 1 else "sync"
timeout = 30
graceful_timeout = 30
