"""The URL policy of webhook endpoints, checked at registration and delivery.

Outside the development, test and drill profiles only https is accepted.
Loopback, private, link-local (cloud metadata lives there), shared and other
non-global addresses are refused unless ``SKILLFORGE_WEBHOOK_ALLOW_HOSTS``
names the host, the address or a network holding it. At delivery the name is
resolved again and the worker connects to the very address it checked, so a
DNS answer that changes after the check cannot point the request inside.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from app.webhooks.errors import UrlRefused
from app.webhooks.settings import WebhookSettings

MAX_URL_LENGTH = 2000
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class Target:
    """Where a request goes: the URL's parts and the checked address."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


def _parse(url: str, settings: WebhookSettings) -> tuple[str, str, int, str]:
    if len(url) > MAX_URL_LENGTH:
        raise UrlRefused(f"must be at most {MAX_URL_LENGTH} characters")

    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UrlRefused(f"is not a valid URL: {exc}") from None

    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise UrlRefused("must start with https://")
    if scheme == "http" and not settings.allow_http:
        raise UrlRefused("must use https")
    if parts.username is not None or parts.password is not None:
        raise UrlRefused("must not carry a user name or password")
    if parts.fragment:
        raise UrlRefused("must not have a #fragment")
    host = (parts.hostname or "").lower()
    if not host:
        raise UrlRefused("must name a host")

    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return scheme, host, port or (443 if scheme == "https" else 80), path


def _literal(host: str) -> IpAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _allowed(host: str, address: IpAddress, settings: WebhookSettings) -> bool:
    """True when the allow-list names the host, the address or its network."""
    for entry in settings.allow_hosts:
        if entry == host or entry == str(address):
            return True
        if "/" in entry and address in ipaddress.ip_network(entry, strict=False):
            return True

    return False


def _check_address(host: str, address: IpAddress, settings: WebhookSettings) -> None:
    if _allowed(host, address, settings):
        return

    mapped = getattr(address, "ipv4_mapped", None)
    checked = mapped or address
    if not checked.is_global or checked.is_multicast:
        raise UrlRefused(
            f"points at {address}, a loopback, private, link-local or reserved "
            "address; only public addresses receive webhooks"
        )


def _resolve(host: str, port: int) -> list[IpAddress]:
    literal = _literal(host)
    if literal is not None:
        return [literal]

    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise UrlRefused(f"the host {host} does not resolve") from None

    found: list[IpAddress] = []
    for *_, sockaddr in answers:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in found:
            found.append(address)
    return found


def check_endpoint_url(url: str, settings: WebhookSettings) -> str:
    """Check a URL a partner registers; return it, or raise UrlRefused."""
    resolve_target(url, settings)
    return url


def resolve_target(url: str, settings: WebhookSettings) -> Target:
    """Resolve a URL and check every address it names; return the first.

    Every address must pass: a name that resolves to one public and one
    private address is refused rather than half trusted.
    """
    scheme, host, port, path = _parse(url, settings)
    addresses = _resolve(host, port)
    if not addresses:
        raise UrlRefused(f"the host {host} does not resolve")
    for address in addresses:
        _check_address(host, address, settings)

    return Target(scheme, host, port, path, str(addresses[0]))
