"""What the cloud engines share: one httpx client, timeouts, retries with backoff.

429 and 5xx answers and network errors are retried (`retries` times, doubling
the wait from `backoff_s`, or the server's Retry-After when it says less than
`max_backoff_s`); other answers are final. Every failure becomes a
`TranslationFailed` whose kind names it ("http 403", "timeout"), so the log
says once per pair why segments are marked not translated.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx

from ingest.retry import backoff_delay
from ingest.translation.base import EngineTranslator, TranslationFailed

log = logging.getLogger(__name__)

RETRIED_STATUS = frozenset({429, 500, 502, 503, 504})


class HttpTranslator(EngineTranslator):
    def __init__(
        self,
        base_url: str,
        *,
        timeout_s: float = 5.0,
        retries: int = 2,
        backoff_s: float = 0.25,
        max_backoff_s: float = 4.0,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/")
        self.retries = retries
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self._client = httpx.AsyncClient(base_url=self.base_url, timeout=timeout_s, headers=headers or {})
        self._pairs: set[tuple[str, str]] | None = None

    async def request_json(self, method: str, path: str, **kwargs: Any) -> Any:
        """Send with retries; the decoded JSON body of a 2xx answer."""
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            try:
                response = await self._client.request(method, path, **kwargs)
            except httpx.TimeoutException as error:
                if last:
                    raise TranslationFailed(
                        f"{self.name} did not answer {path} in time ({error!r})", "timeout"
                    ) from error
                await asyncio.sleep(self._wait(attempt, None))
                continue
            except httpx.HTTPError as error:
                if last:
                    raise TranslationFailed(
                        f"{self.name} unreachable at {self.base_url} ({error!r})", "network"
                    ) from error
                await asyncio.sleep(self._wait(attempt, None))
                continue
            if response.status_code in RETRIED_STATUS and not last:
                await asyncio.sleep(self._wait(attempt, response.headers.get("Retry-After")))
                continue
            if response.is_success:
                try:
                    return response.json()
                except ValueError as error:
                    raise TranslationFailed(
                        f"{self.name} answered {path} with non-JSON", "bad answer"
                    ) from error
            raise TranslationFailed(
                f"{self.name} answered {path} with HTTP {response.status_code}: "
                f"{self.error_message(response)}",
                f"http {response.status_code}",
            )
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _wait(self, attempt: int, retry_after: str | None) -> float:
        if retry_after:
            try:
                return min(max(float(retry_after), 0.0), self.max_backoff_s)
            except ValueError:
                log.debug("%s: Retry-After %r is not seconds; backing off", self.name, retry_after)
        return backoff_delay(attempt, self.backoff_s, self.max_backoff_s)

    def error_message(self, response: httpx.Response) -> str:
        """The service's own words about an error, short."""
        try:
            body = response.json()
        except ValueError:
            return response.text[:200] or response.reason_phrase
        if isinstance(body, dict):
            return str(body.get("message") or body.get("error") or body)[:200]
        return str(body)[:200]

    async def pairs(self) -> set[tuple[str, str]]:
        if self._pairs is None:
            try:
                self._pairs = await self.fetch_pairs()
            except (TranslationFailed, KeyError, TypeError, AttributeError) as error:
                log.warning("%s: cannot list languages: %r", self.name, error)
                return set()  # asked again next time: the service may come back
        return set(self._pairs)

    async def fetch_pairs(self) -> set[tuple[str, str]]:
        raise NotImplementedError

    async def close(self) -> None:
        await self._client.aclose()
