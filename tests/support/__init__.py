"""What many test folders share; fixtures built on it live in tests/conftest.py.

- waiting.py: `wait_until` / `wait_until_sync`, how tests synchronise (no fixed sleeps)
- servers.py: Redis and MariaDB on free ports, `free_port`
- asgi.py: an app under a real uvicorn on a free port
- sinks.py: `CollectingSink`, what adapter tests deliver into
- factories.py: segments, call events and summaries with plain defaults
- audio.py: WAV writers, a voiced tone a fake recognizer can tell apart by pitch

Import plainly: `from tests.support.waiting import wait_until`.
"""
