"""FastAPI's own OpenTelemetry spans: one `fastapi.background_task` span per task, with
status ERROR when the task raises.

Telemetry is on when an OpenTelemetry tracer provider is configured: passed here, or set
globally (`trace.set_tracer_provider`), or made from the environment with
`FASTAPI_OTEL_AUTO_CONFIGURE=true` and `OTEL_EXPORTER_OTLP_ENDPOINT` (that needs the OTLP
exporter: `pip install "fastapi[opentelemetry]"`)."""

from fastapi import BackgroundTasks, FastAPI
from opentelemetry.trace import TracerProvider


def send_receipt(order_id: int) -> None:
    print(f"receipt for order {order_id} sent", flush=True)


def update_stock(order_id: int) -> None:
    if order_id == 13:
        raise RuntimeError(f"no stock record for order {order_id}")
    print(f"stock updated for order {order_id}", flush=True)


def create_app(tracer_provider: TracerProvider | None = None) -> FastAPI:
    app = FastAPI(telemetry={"tracer_provider": tracer_provider})

    @app.post("/orders/{order_id}")
    async def place_order(order_id: int, background_tasks: BackgroundTasks):
        background_tasks.add_task(update_stock, order_id)
        background_tasks.add_task(send_receipt, order_id)  # skipped if update_stock raises
        injected = type(background_tasks)  # FastAPI's subclass of Starlette's class
        return {"order": order_id, "tasks": f"{injected.__module__}.{injected.__qualname__}"}

    return app


app = create_app()  # the global tracer provider, if one is configured
