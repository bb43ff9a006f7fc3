"""``python -m workbook redis-start|redis-stop|where|check``: what ``make redis`` runs."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from mailer_app.config import load_settings
from mailer_app.redis_client import RedisUnavailable, connect, redact
from workbook.redis_runner import find_redis_server, workbook_redis_start, workbook_redis_stop

USAGE = "usage: python -m workbook redis-start|redis-stop|where|check"


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; print one line; return the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    url = load_settings()["REDIS_URL"]
    try:
        if argv == ["redis-start"]:
            print(workbook_redis_start(url))
        elif argv == ["redis-stop"]:
            print(workbook_redis_stop())
        elif argv == ["where"]:
            print(find_redis_server())
        elif argv == ["check"]:
            connect(url)
            print(f"Redis answers at {redact(url)}")
        else:
            print(USAGE)
            return 2
    except (FileNotFoundError, RedisUnavailable) as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
