"""Load and fault runs over HTTP: gunicorn, MariaDB and the real distribution form.

- `python -m bench.load.http`: N logged-in clients drive the distribution form through
  gunicorn for a fixed time, then the outcomes are reconciled with the audit log and stock.
- `python -m bench.load.faults`: the same load while the database server (a private one)
  or a gunicorn worker is killed with SIGKILL.

See docs/RELIABILITY.md for the commands, what they check and the figures measured.
The HTTP client and the workload (`client`, `world`) are shared with the quick CI test
aidtracker/tests/test_load_quick.py, which runs them against Django's live server.
"""
