"""The `BackgroundTasks` FastAPI injects is `fastapi.background.BackgroundTasks`, a
subclass of Starlette's whose loop wraps each task in an OpenTelemetry span named
`fastapi.background_task` (attribute `code.function.name`) when telemetry is on (here: a
tracer provider passed with `FastAPI(telemetry={"tracer_provider": ...})`). The spans are
children of the request's span, as are FastAPI's spans for the dependencies, the endpoint
and the serialisation; the request's span ends when the response's last byte is sent,
before the tasks start. A task that raises gets status ERROR and its `error.type`; the
request's span does not (the client got 200), and the tasks after it get no span: they
never ran."""

from fastapi import background
from opentelemetry.trace import StatusCode
from starlette.background import BackgroundTasks as StarletteBackgroundTasks

from guide.examples import telemetry_tasks_tests
from guide.examples.telemetry_tasks_tests import post, task_spans

exporter = telemetry_tasks_tests.exporter  # the fixture: a provider, its exporter, the app

CLAIM = "telemetry-task-spans"


async def test_the_injected_object_is_fastapis_subclass(exporter):
    _, app = exporter
    response = await post(app, "/orders/1")
    assert response.json()["tasks"] == "fastapi.background.BackgroundTasks"
    assert issubclass(background.BackgroundTasks, StarletteBackgroundTasks)


async def test_one_span_per_task_under_the_request_span(exporter):
    spans, app = exporter
    assert (await post(app, "/orders/1")).status_code == 200
    [request] = [span for span in spans.get_finished_spans() if span.name.startswith("POST")]
    stock, receipt = task_spans(spans)
    children = {s.name for s in spans.get_finished_spans() if s.parent is not None}
    assert children >= {"fastapi.dependencies", "fastapi.endpoint", "fastapi.serialization"}
    assert [s.attributes["code.function.name"] for s in (stock, receipt)] == [
        "guide.examples.telemetry_tasks.update_stock",
        "guide.examples.telemetry_tasks.send_receipt",
    ]
    assert {stock.parent.span_id, receipt.parent.span_id} == {request.context.span_id}
    assert request.end_time <= stock.start_time <= stock.end_time <= receipt.start_time
    assert {s.status.status_code for s in (request, receipt, stock)} == {StatusCode.UNSET}


async def test_a_raising_task_has_an_error_span_and_the_request_does_not(exporter):
    spans, app = exporter
    assert (await post(app, "/orders/13")).status_code == 200
    [request] = [span for span in spans.get_finished_spans() if span.name.startswith("POST")]
    [stock] = task_spans(spans)  # send_receipt, after it, never ran: no span
    assert stock.attributes["code.function.name"].endswith(".update_stock")
    assert stock.status.status_code is StatusCode.ERROR
    assert stock.attributes["error.type"] == "RuntimeError"
    assert request.status.status_code is StatusCode.UNSET
    assert request.attributes["http.response.status_code"] == 200
