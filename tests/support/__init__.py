"""What many test folders share: servers, factories, audio, condition waits.

Fixtures built on these live in tests/conftest.py; plain helpers are imported
from here (`from tests.support.waiting import wait_until`).
"""
