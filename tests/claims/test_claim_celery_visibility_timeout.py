"""On a Redis broker, kombu hands a message that a worker took but has not acknowledged to
another worker once the visibility timeout has passed, one hour by default. A task held
for a countdown or eta longer than that runs twice. The demo's Celery app sets the timeout
from CELERY_VISIBILITY_TIMEOUT (default 3600 s) and refuses a hard time limit that does not
end before it, or a retry backoff that does not; with the default settings its longest
retry countdown is 16 s."""

import kombu.transport.redis as kombu_redis
import pytest
from pydantic import ValidationError

from demo_app.config import Settings
from demo_app.runs.celery_app import celery_app
from demo_app.runs.runner import backoff

CLAIM = "celery-visibility-timeout"


def test_kombu_redelivers_after_one_hour_by_default():
    assert kombu_redis.Channel.visibility_timeout == 3600


def test_the_demo_sets_the_timeout_from_its_settings():
    options = celery_app.conf.broker_transport_options
    assert options["visibility_timeout"] == Settings().celery_visibility_timeout == 3600


def test_the_default_retries_wait_far_less_than_the_timeout():
    settings = Settings()
    longest = backoff(settings.task_max_attempts - 1).total_seconds()  # before the last try
    assert longest == 16
    assert longest < settings.celery_visibility_timeout


def test_a_hard_time_limit_past_the_timeout_is_refused():
    with pytest.raises(ValidationError, match="CELERY_VISIBILITY_TIMEOUT"):
        Settings(task_time_limit_seconds=4000, celery_visibility_timeout=3600)


def test_a_backoff_past_the_timeout_is_refused(monkeypatch):
    monkeypatch.setenv("TASK_BACKEND", "celery")
    monkeypatch.setenv("TASK_RETRY_BASE_SECONDS", "600")  # a fourth retry 4800 s later
    with pytest.raises(ValidationError, match="CELERY_VISIBILITY_TIMEOUT"):
        Settings()
    monkeypatch.setenv("CELERY_VISIBILITY_TIMEOUT", "4801")
    assert Settings().celery_visibility_timeout == 4801
