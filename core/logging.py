"""Structured logs: one JSON object per line on stdout, tagged with the request id."""

import contextvars
import json
import logging
import time
import uuid

request_id_var = contextvars.ContextVar("request_id", default="-")

logger = logging.getLogger("aidtracker.request")


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON line with the request id and any `extra` fields."""

    STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}

    def format(self, record):
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id_var.get(),
        }
        for key, value in vars(record).items():
            if key not in self.STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class RequestLogMiddleware:
    """Give each request an id (kept from X-Request-ID if sane) and log one line for it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = (
            incoming
            if incoming.isascii() and 8 <= len(incoming) <= 64 and incoming.isprintable()
            else uuid.uuid4().hex
        )
        token = request_id_var.set(request.request_id)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request.request_id
            # The user already loaded for this request, if any: never a new query here,
            # which would fail again during a database outage.
            user = getattr(request, "_cached_user", None)
            logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                    "user": user.get_username() if user and user.is_authenticated else None,
                },
            )
            return response
        finally:
            request_id_var.reset(token)
