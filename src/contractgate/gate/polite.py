"""A requests session that is polite to a remote API: a rate limit, timeouts, 429 and 5xx handled.

Every wait and retry is bounded in count and time. The in-process (embedded) target does not use it.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import requests

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class PoliteSession(requests.Session):
    def __init__(self, *, rate: float, timeout: float = 10.0, max_retries: int = 3, max_wait: float = 30.0) -> None:
        super().__init__()
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_wait = max_wait  # the longest single wait, whatever Retry-After asks
        self.retries_made = 0
        self._lock = threading.Lock()
        self._next_slot = 0.0

    def _pace(self) -> None:
        with self._lock:
            now = time.monotonic()
            wait = self._next_slot - now
            self._next_slot = max(now, self._next_slot) + self.interval
        if wait > 0:
            time.sleep(wait)

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs.setdefault("timeout", self.timeout)
        attempt = 0
        while True:
            self._pace()
            response = super().request(method, url, *args, **kwargs)
            if response.status_code not in RETRY_STATUSES or attempt >= self.max_retries:
                return response
            attempt += 1
            self.retries_made += 1
            time.sleep(min(self._delay(response, attempt), self.max_wait))

    @staticmethod
    def _delay(response: requests.Response, attempt: int) -> float:
        retry_after = response.headers.get("Retry-After", "")
        if retry_after.strip().isdigit():
            return float(retry_after)
        return 0.5 * 2 ** (attempt - 1)  # 0.5, 1, 2 s: exponential backoff
