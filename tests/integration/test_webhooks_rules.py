"""The webhook rules that need no server: URL policy, settings, schedule, signing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from app.errors import ConfigError
from app.webhooks.delivery import backoff_ms
from app.webhooks.errors import UrlRefused
from app.webhooks.models import EVENT_TYPES
from app.webhooks.schemas import EventType
from app.webhooks.settings import WebhookSettings, load_webhook_settings
from app.webhooks.signing import body_of, headers_for, new_secret
from app.webhooks.urls import check_endpoint_url, resolve_target

DEVELOPMENT = WebhookSettings(allow_http=True)
PRODUCTION = WebhookSettings(allow_http=False)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://10.1.2.3/hook",
        "http://172.16.0.9/hook",
        "http://192.168.1.1/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.100.100.200/",
        "http://0.0.0.0/",
        "http://[::1]/hook",
        "http://[fd00:ec2::254]/",
        "http://[::ffff:10.0.0.1]/",
        "http://224.0.0.1/",
        "http://203.0.113.7/",
    ],
    ids=[
        "loopback",
        "private-10",
        "private-172",
        "private-192",
        "metadata",
        "metadata-alibaba",
        "unspecified",
        "ipv6-loopback",
        "ipv6-metadata",
        "ipv4-mapped",
        "multicast",
        "documentation",
    ],
)
def test_inside_addresses_are_refused(url: str) -> None:
    with pytest.raises(UrlRefused, match="only public addresses"):
        check_endpoint_url(url, DEVELOPMENT)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://93.184.215.14/hook", "https"),
        ("http://user:secret@93.184.215.14/hook", "user name or password"),
        ("https://93.184.215.14/hook#part", "fragment"),
        ("https:///hook", "host"),
        ("https://93.184.215.14:99999/", "valid URL"),
        ("https://93.184.215.14/" + "x" * 2000, "2000 characters"),
    ],
    ids=["scheme", "credentials", "fragment", "no-host", "bad-port", "too-long"],
)
def test_malformed_urls_are_refused_with_the_reason(url: str, reason: str) -> None:
    with pytest.raises(UrlRefused, match=reason):
        check_endpoint_url(url, DEVELOPMENT)


def test_production_accepts_only_https() -> None:
    with pytest.raises(UrlRefused, match="must use https"):
        check_endpoint_url("http://93.184.215.14/hook", PRODUCTION)

    assert check_endpoint_url("https://93.184.215.14/hook", PRODUCTION)


def test_the_allow_list_names_hosts_addresses_or_networks() -> None:
    allowed = WebhookSettings(
        allow_http=True, allow_hosts=frozenset({"10.0.0.0/8", "127.0.0.1"})
    )

    assert resolve_target("http://10.9.8.7:81/x?y=1", allowed).address == "10.9.8.7"
    assert resolve_target("http://127.0.0.1/", allowed).path == "/"
    with pytest.raises(UrlRefused):
        resolve_target("http://192.168.0.1/", allowed)


def test_a_delivery_goes_to_the_address_that_was_checked() -> None:
    target = resolve_target("https://93.184.215.14:8443/in?a=b", PRODUCTION)

    assert (target.scheme, target.host, target.port) == ("https", "93.184.215.14", 8443)
    assert (target.address, target.path) == ("93.184.215.14", "/in?a=b")


def test_settings_are_read_from_the_environment() -> None:
    settings = load_webhook_settings(
        {
            "SKILLFORGE_WEBHOOK_MAX_ATTEMPTS": "3",
            "SKILLFORGE_WEBHOOK_TOTAL_TIMEOUT": "2.5",
            "SKILLFORGE_WEBHOOK_ALLOW_HOSTS": " 127.0.0.1 , Hooks.Example ,",
        },
        "drill",
    )

    assert (settings.max_attempts, settings.total_timeout) == (3, 2.5)
    assert settings.allow_hosts == frozenset({"127.0.0.1", "hooks.example"})
    assert settings.allow_http


@pytest.mark.parametrize(
    ("env", "profile", "message"),
    [
        ({"SKILLFORGE_WEBHOOK_TIME_SCALE": "0.01"}, "production", "TIME_SCALE"),
        ({"SKILLFORGE_WEBHOOK_MAX_ATTEMPTS": "0"}, "test", "MAX_ATTEMPTS"),
        ({"SKILLFORGE_WEBHOOK_READ_TIMEOUT": "soon"}, "test", "not a number"),
        ({"SKILLFORGE_WEBHOOK_ALLOW_HOSTS": "10.0.0.0/99"}, "test", "network"),
        ({"SKILLFORGE_WEBHOOK_TOTAL_TIMEOUT": "-1"}, "test", "negative"),
    ],
    ids=[
        "compressed-production",
        "no-attempts",
        "not-a-number",
        "bad-cidr",
        "negative",
    ],
)
def test_unsafe_settings_are_refused(
    env: dict[str, str], profile: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        load_webhook_settings(env, profile)


@pytest.mark.parametrize("failures", range(1, 13))
def test_the_backoff_doubles_with_jitter_up_to_the_cap(failures: int) -> None:
    settings = WebhookSettings(backoff_base=30.0, backoff_cap=3600.0)
    base = 30_000 * 2 ** (failures - 1)
    cap = 3_600_000

    for _ in range(20):
        delay = backoff_ms(failures, settings)
        if base <= cap:
            assert base <= delay <= min(2 * base, cap) or cap // 2 <= delay <= cap
        else:
            assert cap // 2 <= delay <= cap


def test_time_compression_shrinks_the_whole_schedule() -> None:
    settings = WebhookSettings(backoff_base=30.0, time_scale=0.001)

    assert all(30 <= backoff_ms(1, settings) <= 60 for _ in range(20))


def test_every_active_secret_signs_and_each_verifies_alone() -> None:
    old, new = new_secret(), new_secret()
    at = datetime.now(UTC)
    body = body_of("match.created", at, {"match_id": 3})

    headers = headers_for("evt_1", body, [new, old], at)

    assert headers["webhook-id"] == "evt_1"
    assert headers["webhook-timestamp"] == str(int(at.timestamp()))
    for secret in (old, new):
        assert Webhook(secret).verify(body, headers)["data"] == {"match_id": 3}
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body, headers)


def test_the_body_is_the_same_bytes_on_every_attempt() -> None:
    at = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)

    first = body_of("match.created", at, {"b": 1, "a": "é"})
    again = body_of("match.created", at, {"b": 1, "a": "é"})

    assert first == again
    assert first.startswith(b'{"type":"match.created","timestamp":"2026-12-04T12:00')


def test_the_api_offers_exactly_the_event_types_the_outbox_knows() -> None:
    assert EventType.__args__ == EVENT_TYPES
