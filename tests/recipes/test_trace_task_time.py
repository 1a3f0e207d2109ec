from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from guide.recipes import trace_task_time as recipe
from tests.recipes.conftest import asgi

SECOND = 1_000_000_000  # span times are in nanoseconds


async def test_the_task_has_its_own_span_after_the_request_span():
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    async with asgi(recipe.create_app(tracer_provider=provider)) as client:
        assert (await client.post("/albums/3/photos")).status_code == 200
    provider.shutdown()

    spans = exporter.get_finished_spans()
    [request] = [span for span in spans if span.name.startswith("POST")]
    [task] = [span for span in spans if span.name == "fastapi.background_task"]
    assert task.attributes["code.function.name"].endswith("trace_task_time.resize_photos")
    assert task.parent is not None and task.parent.span_id == request.context.span_id
    assert request.end_time <= task.start_time
    assert task.end_time - task.start_time >= 0.5 * SECOND
    assert request.end_time - request.start_time < 0.5 * SECOND
    trace_start = min(span.start_time for span in spans)
    trace_end = max(span.end_time for span in spans)
    assert trace_start == request.start_time and trace_end == task.end_time
    print(
        f"request span {(request.end_time - request.start_time) / 1e6:.1f} ms, "
        f"task span {(task.end_time - task.start_time) / 1e6:.0f} ms"
    )
