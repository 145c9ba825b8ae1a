"""What a run tells while it works, on stderr: plain lines, or one JSON object per event
(`--log-format json`: `ts`, `level`, `event`, then the event's own fields).

Stages report through `event(name, **fields)`: `-v` shows each with its duration and counts.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

log = logging.getLogger("pipeline.run")


def event(name: str, level: int = logging.INFO, **fields) -> None:
    """A stage or happening of the run, with its figures (seconds, counts)."""
    text = " ".join(f"{k}={_plain(v)}" for k, v in fields.items())
    log.log(level, "%s%s", name, f": {text}" if text else "", extra={"event": name, "fields": fields})


def _plain(value) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "event": getattr(record, "event", None) or record.name,
        }
        fields = getattr(record, "fields", None)
        if fields:
            out.update({k: v for k, v in fields.items() if k not in out})
        else:
            out["message"] = record.getMessage()
        if record.exc_info:
            out["error"] = self.formatException(record.exc_info).splitlines()[-1]
        return json.dumps(out, ensure_ascii=False, default=str)


def setup(verbose: bool, quiet: bool, fmt: str) -> None:
    """stderr only: INFO with -v, WARNING otherwise (the crawl's progress lines too, unless -q)."""
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.INFO if verbose else logging.WARNING)
    logging.getLogger("pipeline.crawl.fetch").setLevel(logging.WARNING if quiet else logging.INFO)
