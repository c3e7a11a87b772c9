"""Rate limits: the token bucket alone, and a live server's 429 with Retry-After, per key."""

from __future__ import annotations

import httpx
from api_server import serving

from assistant.http.limits import RateLimiter, retry_after


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_bucket_allows_a_burst_then_the_rate():
    clock = Clock()
    limiter = RateLimiter(per_minute=60, burst=2, clock=clock)
    assert limiter.take("a") is None and limiter.take("a") is None
    wait = limiter.take("a")
    assert wait is not None and 0.9 < wait <= 1.0
    assert limiter.take("b") is None  # each client has its own bucket
    clock.now += 1.0
    assert limiter.take("a") is None and limiter.take("a") is not None
    clock.now += 60
    assert [limiter.take("a") for _ in range(3)][:2] == [None, None]  # refilled to the burst, no more


def test_retry_after_is_whole_seconds_rounded_up():
    assert [retry_after(s) for s in (0.01, 1.0, 1.2, 59.5)] == ["1", "1", "2", "60"]


def test_server_answers_429_with_retry_after_per_key(api_assistant):
    from assistant.http.app import ApiConfig, build_api
    from assistant.http.keys import ApiKeys

    config = ApiConfig(keys=ApiKeys.of(["key-one-0123456789", "key-two-0123456789"]), rate_per_minute=1, burst=2)
    with serving(build_api(api_assistant, config)) as url:
        one = httpx.Client(base_url=url, headers={"Authorization": "Bearer key-one-0123456789"})
        two = httpx.Client(base_url=url, headers={"Authorization": "Bearer key-two-0123456789"})
        assert [one.get("/v1/models").status_code for _ in range(2)] == [200, 200]
        limited = one.get("/v1/info")
        assert limited.status_code == 429
        assert 55 <= int(limited.headers["retry-after"]) <= 60
        assert limited.json()["type"].endswith("rate-limited")
        assert two.get("/v1/info").status_code == 200
