"""On a Redis broker, kombu keeps a record of each message a worker took and has not
acknowledged; a periodic sweep puts those older than the visibility timeout (one hour by
default) back on the queue, for any worker to take, the one that had it included. The
sweep runs about every 100 s by default (10 s between calls, a scan every tenth); the demo
lowers it to a quarter of the timeout, at most 10 s. A task held for a countdown or eta
longer than the timeout runs twice. The demo's Celery app sets the timeout from
CELERY_VISIBILITY_TIMEOUT (default 3600 s) and refuses a hard time limit that does not end
before it, or a retry backoff that does not; with the default settings its longest retry
countdown is 16 s.

Here: the settings, read from kombu and the demo. The redelivery itself is measured on a
real Redis by tests/celery/test_celery.py (a worker killed mid-task, its message run by
the other worker); that a long countdown runs twice is kombu's and Celery's documented
behaviour, not measured here (it takes the timeout to see)."""

import kombu.transport.redis as kombu_redis
import pytest
from pydantic import ValidationError

from demo_app.config import Settings
from demo_app.runs.celery_app import celery_app
from demo_app.runs.runner import backoff

CLAIM = "celery-visibility-timeout"


def test_kombu_redelivers_after_one_hour_by_default():
    assert kombu_redis.Channel.visibility_timeout == 3600


def test_kombu_sweeps_for_expired_messages_about_every_100_s_by_default():
    channel = kombu_redis.Channel
    assert channel.unacked_restore_interval * channel.unacked_restore_throttle == 100


def test_the_demo_sweeps_every_10_s_at_most():
    options = celery_app.conf.broker_transport_options
    assert options["unacked_restore_throttle"] == 1
    assert options["unacked_restore_interval"] == 10.0  # a quarter of 3600 s, capped at 10


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
