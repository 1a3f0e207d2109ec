"""Code that uses background tasks can be tested at three levels. A unit test calls the
endpoint with a `BackgroundTasks` it made and inspects `.tasks` (each task's function and
arguments; nothing runs). Through the ASGI app, `app.dependency_overrides` replaces what
the task is given, and httpx's `ASGITransport` returns only once the tasks have run, so
their effect can be asserted right after the call; a task's exception comes out of that
call unless the transport is built with `raise_app_exceptions=False`, which shows the 200
a real client gets. On a real uvicorn server the response comes first and the test waits
for the task's printed line."""

import inspect

from fastapi.routing import APIRoute

from guide.examples import testing_signup, testing_signup_tests
from guide.examples.testing_signup_tests import (  # noqa: F401 (pytest collects them here)
    fake_mailer,
    test_a_failing_task_fails_the_test_not_the_response,
    test_on_a_real_server_the_task_runs_after_the_response,
    test_the_endpoint_queues_the_welcome_email,
    test_the_task_sends_through_the_overridden_mailer,
)

CLAIM = "testing-background-tasks"


def test_every_test_the_guide_shows_is_collected_here():
    """The guide shows `testing_signup_tests.py`; pytest collects it only through this
    module's imports, so a test added there without an import here would never run."""
    shown = {name for name in vars(testing_signup_tests) if name.startswith("test_")}
    collected = {
        name
        for name, value in globals().items()
        if name.startswith("test_")
        and getattr(value, "__module__", "") == testing_signup_tests.__name__
    }
    assert shown, "testing_signup_tests.py defines no tests"
    assert collected == shown, f"not collected here: {sorted(shown - collected)}"


def test_the_guides_tests_call_every_route_of_the_example_app():
    source = inspect.getsource(testing_signup_tests)
    prefixes = [
        route.path.split("{", 1)[0]
        for route in testing_signup.app.routes
        if isinstance(route, APIRoute)
    ]
    assert prefixes, "testing_signup.app has no routes"
    assert [p for p in prefixes if f'"{p}' not in source and f"'{p}" not in source] == []
