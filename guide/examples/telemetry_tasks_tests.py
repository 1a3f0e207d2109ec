"""How a test reads FastAPI's spans: the OpenTelemetry SDK with an in-memory exporter.

tests/claims/test_claim_telemetry_task_spans.py uses these helpers."""

from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from guide.examples.telemetry_tasks import app, create_app

__all__ = ["app", "exporter", "post", "task_spans"]


# --8<-- [start:exporter]
@pytest.fixture
def exporter() -> Iterator[tuple[InMemorySpanExporter, FastAPI]]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))  # BatchSpanProcessor in production
    yield exporter, create_app(tracer_provider=provider)
    provider.shutdown()


async def post(app: FastAPI, path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.post(path)


def task_spans(exporter: InMemorySpanExporter) -> list[ReadableSpan]:
    return [
        span for span in exporter.get_finished_spans() if span.name == "fastapi.background_task"
    ]


# --8<-- [end:exporter]
