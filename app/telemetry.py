"""OpenTelemetry: traces, metrics and logs over OTLP/HTTP, set up once a process.

The exporters start only when ``OTEL_EXPORTER_OTLP_ENDPOINT`` names a
receiver. ``init_telemetry`` may be called by every app created in a process
(tests create many); the providers are installed the first time only, and
``init_count`` tells how many times they were.
"""

from __future__ import annotations

import logging

from flask import Flask
from opentelemetry import metrics, trace
from opentelemetry.sdk.resources import Resource

from app.config import Settings

logger = logging.getLogger(__name__)

init_count = 0
_instrumented_engines: set[int] = set()


def init_telemetry(settings: Settings) -> bool:
    """Install the providers and exporters; return True if this call did it."""
    global init_count
    if init_count:
        return False

    init_count += 1
    if not settings.otlp_endpoint:
        return True

    from opentelemetry._logs import set_logger_provider
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import (
        OTLPMetricExporter,
    )
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
        OTLPSpanExporter,
    )
    from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
    from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    base = settings.otlp_endpoint.rstrip("/")
    resource = Resource.create({"service.name": settings.service_name})

    tracer_provider = TracerProvider(resource=resource)
    tracer_provider.add_span_processor(
        BatchSpanProcessor(
            OTLPSpanExporter(endpoint=f"{base}/v1/traces"), schedule_delay_millis=500
        )
    )
    trace.set_tracer_provider(tracer_provider)

    reader = PeriodicExportingMetricReader(
        OTLPMetricExporter(endpoint=f"{base}/v1/metrics"),
        export_interval_millis=2000,
    )
    metrics.set_meter_provider(
        MeterProvider(resource=resource, metric_readers=[reader])
    )

    logger_provider = LoggerProvider(resource=resource)
    logger_provider.add_log_record_processor(
        BatchLogRecordProcessor(
            OTLPLogExporter(endpoint=f"{base}/v1/logs"), schedule_delay_millis=500
        )
    )
    set_logger_provider(logger_provider)
    logging.getLogger().addHandler(LoggingHandler(logger_provider=logger_provider))

    return True


def instrument_app(app: Flask, settings: Settings) -> None:
    """Trace requests and database calls when telemetry is exported."""
    if not settings.otlp_endpoint:
        return

    from opentelemetry.instrumentation.flask import FlaskInstrumentor
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    from app.db import db

    FlaskInstrumentor().instrument_app(app, excluded_urls="healthz")
    if db.engine is not None and id(db.engine) not in _instrumented_engines:
        SQLAlchemyInstrumentor().instrument(engine=db.engine)
        _instrumented_engines.add(id(db.engine))


def shutdown_telemetry() -> None:
    """Flush what is buffered; called when a worker process exits."""
    provider = trace.get_tracer_provider()
    shutdown = getattr(provider, "shutdown", None)
    if shutdown is not None:
        shutdown()
    meter_provider = metrics.get_meter_provider()
    shutdown = getattr(meter_provider, "shutdown", None)
    if shutdown is not None:
        shutdown()
