"""The partner webhook and API-key routes, against the real database.

Each test runs in a transaction that is rolled back; no worker runs here, so
deliveries stay pending unless a test moves them itself.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import redis
from click.testing import CliRunner
from flask.testing import FlaskClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app import cli
from app.auth.models import User
from app.auth.service import hash_password, issue_token
from app.config import Settings
from app.db import utcnow
from app.partners import service as partners
from app.partners.models import Partner, PartnerApiKey
from app.webhooks import dispatcher
from app.webhooks.delivery import dead_letter
from app.webhooks.errors import UnknownEventType
from app.webhooks.models import DeadLetter, Delivery, EndpointSecret, WebhookEndpoint
from app.webhooks.outbox import cancel_for_learner, record_event
from tests.fixtures import Account, Services, env_for

pytestmark = pytest.mark.integration

BASE = "/api/v1/partner/webhooks"
RECEIVER = "http://127.0.0.1:9/hook"
_HASH: list[str] = []


@dataclass
class Member:
    partner_id: int
    user_id: int
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def _password_hash() -> str:
    if not _HASH:
        _HASH.append(hash_password("a partner passphrase"))
    return _HASH[0]


@pytest.fixture
def make_member(db_session: Session) -> Callable[[], Member]:
    """Make a partner with one member; the test's transaction undoes it."""
    made = 0

    def make() -> Member:
        nonlocal made
        made += 1
        partner = partners.create_partner(
            db_session,
            slug=f"partner-{made}-{id(db_session)}",
            name=f"Partner {made}",
            regions=["eu"],
            contact_email=f"contact{made}@partners.example",
        )
        user = partners.add_member(
            db_session,
            partner.id,
            email=f"member{made}-{id(db_session)}@partners.example",
            password="a partner passphrase",
            display_name=f"Member {made}",
            password_hash=_password_hash(),
        )
        token = issue_token(db_session, user)
        db_session.commit()
        return Member(partner.id, user.id, token)

    return make


@pytest.fixture
def member(make_member: Callable[[], Member]) -> Member:
    return make_member()


def _register(client: FlaskClient, who: Member, **fields: Any) -> dict[str, Any]:
    body = {"url": RECEIVER, "event_types": ["match.created"], **fields}
    response = client.post(f"{BASE}/endpoints", json=body, headers=who.headers)
    assert response.status_code == 201, response.get_json()
    created: dict[str, Any] = response.get_json()
    return created


def _count(session: Session, model: Any) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


# --- endpoints --------------------------------------------------------------


def test_a_member_registers_an_endpoint_and_sees_its_secret_once(
    client: FlaskClient, member: Member
) -> None:
    created = _register(client, member, description="Applicant tracking ✨")

    assert created["secret"].startswith("whsec_")
    assert created["status"] == "active"
    read = client.get(f"{BASE}/endpoints/{created['id']}", headers=member.headers)
    assert read.status_code == 200
    assert "secret" not in read.get_json()
    assert read.get_json()["description"] == "Applicant tracking ✨"


def test_endpoint_lists_page_with_an_honest_end(
    client: FlaskClient, member: Member
) -> None:
    ids = [_register(client, member)["id"] for _ in range(3)]

    first = client.get(f"{BASE}/endpoints?per_page=2", headers=member.headers)
    second = client.get(f"{BASE}/endpoints?per_page=2&page=2", headers=member.headers)

    assert [e["id"] for e in first.get_json()["items"]] == ids[:2]
    assert first.get_json()["has_more"] is True
    assert [e["id"] for e in second.get_json()["items"]] == ids[2:]
    assert second.get_json()["has_more"] is False
    too_big = client.get(f"{BASE}/endpoints?per_page=101", headers=member.headers)
    assert too_big.status_code == 400


def test_a_member_changes_url_and_event_types(
    client: FlaskClient, member: Member
) -> None:
    endpoint = _register(client, member)

    response = client.patch(
        f"{BASE}/endpoints/{endpoint['id']}",
        json={
            "url": "http://127.0.0.1:10/other",
            "event_types": ["application.created", "application.created"],
        },
        headers=member.headers,
    )

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["url"] == "http://127.0.0.1:10/other"
    assert response.get_json()["event_types"] == ["application.created"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "http://10.0.0.5/hook", "event_types": ["match.created"]}, "url"),
        ({"url": "http://169.254.169.254/", "event_types": ["match.created"]}, "url"),
        (
            {"url": "http://127.0.0.1/" + "x" * 2000, "event_types": ["match.created"]},
            "url",
        ),
        ({"url": RECEIVER, "event_types": ["learner.deleted"]}, "event_types"),
        ({"url": RECEIVER, "event_types": []}, "event_types"),
        (
            {
                "url": RECEIVER,
                "event_types": ["match.created"],
                "description": "a\x00b",
            },
            "description",
        ),
        ({"url": 42, "event_types": ["match.created"]}, "url"),
        (
            {"url": RECEIVER, "event_types": ["match.created"], "partner_id": 1},
            "partner_id",
        ),
    ],
    ids=[
        "private-address",
        "metadata-address",
        "too-long",
        "unknown-event",
        "no-events",
        "nul-byte",
        "wrong-type",
        "extra-field",
    ],
)
def test_bad_endpoints_are_refused_with_the_field_named_and_nothing_stored(
    client: FlaskClient,
    db_session: Session,
    member: Member,
    body: dict[str, Any],
    field: str,
) -> None:
    before = _count(db_session, WebhookEndpoint)

    response = client.post(f"{BASE}/endpoints", json=body, headers=member.headers)

    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert any(field in e["field"] for e in response.get_json()["errors"])
    assert _count(db_session, WebhookEndpoint) == before


@pytest.mark.parametrize(
    ("send", "status"),
    [
        (
            lambda c, h: c.post(
                f"{BASE}/endpoints",
                data="{",
                content_type="application/json",
                headers=h,
            ),
            400,
        ),
        (
            lambda c, h: c.post(
                f"{BASE}/endpoints", data="url=x", content_type="text/plain", headers=h
            ),
            415,
        ),
        (
            lambda c, h: c.post(
                f"{BASE}/endpoints",
                json={
                    "url": RECEIVER,
                    "event_types": ["match.created"],
                    "description": "x" * 1_100_000,
                },
                headers=h,
            ),
            413,
        ),
    ],
    ids=["malformed-json", "wrong-content-type", "too-big"],
)
def test_broken_bodies_are_refused_before_anything_is_stored(
    client: FlaskClient,
    db_session: Session,
    member: Member,
    send: Callable[[FlaskClient, dict[str, str]], Any],
    status: int,
) -> None:
    before = _count(db_session, WebhookEndpoint)

    response = send(client, member.headers)

    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert _count(db_session, WebhookEndpoint) == before


def test_pause_resume_and_delete(
    client: FlaskClient, db_session: Session, member: Member
) -> None:
    endpoint = _register(client, member)
    path = f"{BASE}/endpoints/{endpoint['id']}"

    paused = client.post(f"{path}/pause", headers=member.headers)
    assert paused.get_json()["status"] == "paused"
    record_event(db_session, member.partner_id, "match.created", {"match_id": 1})
    db_session.commit()
    resumed = client.post(f"{path}/resume", headers=member.headers)
    assert resumed.get_json()["status"] == "active"

    assert client.delete(path, headers=member.headers).status_code == 204
    assert client.get(path, headers=member.headers).status_code == 404
    statuses = db_session.scalars(
        select(Delivery.status).where(Delivery.endpoint_id == endpoint["id"])
    ).all()
    assert statuses == ["cancelled"]
    record_event(db_session, member.partner_id, "match.created", {"match_id": 2})
    assert _count(db_session, Delivery) == 1


def test_rotation_keeps_the_old_secret_for_the_overlap_only(
    client: FlaskClient, db_session: Session, member: Member
) -> None:
    endpoint = _register(client, member)
    path = f"{BASE}/endpoints/{endpoint['id']}/rotate-secret"

    kept = client.post(path, json={"overlap_seconds": 3600}, headers=member.headers)
    cut = client.post(path, json={"overlap_seconds": 0}, headers=member.headers)

    assert kept.get_json()["old_secrets_signing"] == 1
    assert cut.get_json()["old_secrets_signing"] == 0
    secrets = db_session.scalars(
        select(EndpointSecret)
        .where(EndpointSecret.endpoint_id == endpoint["id"])
        .order_by(EndpointSecret.id)
    ).all()
    assert [s.secret for s in secrets] == [
        endpoint["secret"],
        kept.get_json()["secret"],
        cut.get_json()["secret"],
    ]
    now = utcnow()
    signing = [s for s in secrets if s.expires_at is None or s.expires_at > now]
    assert [s.secret for s in signing] == [cut.get_json()["secret"]]
    too_long = client.post(
        path, json={"overlap_seconds": 8 * 86400}, headers=member.headers
    )
    assert too_long.status_code == 422


# --- isolation and authentication ----------------------------------------------


def test_another_partner_sees_none_of_it(
    client: FlaskClient, db_session: Session, make_member: Callable[[], Member]
) -> None:
    owner, other = make_member(), make_member()
    endpoint = _register(client, owner)
    record_event(db_session, owner.partner_id, "match.created", {"match_id": 1})
    db_session.commit()
    delivery_id = db_session.scalar(select(Delivery.id))
    path = f"{BASE}/endpoints/{endpoint['id']}"

    for method, url in [
        ("get", path),
        ("patch", path),
        ("delete", path),
        ("post", f"{path}/pause"),
        ("post", f"{path}/resume"),
        ("post", f"{path}/rotate-secret"),
        ("get", f"{BASE}/deliveries/{delivery_id}"),
        ("get", f"{BASE}/deliveries/{delivery_id}/attempts"),
        ("get", f"{BASE}/deliveries?endpoint_id={endpoint['id']}"),
        ("get", f"{BASE}/dead-letters?endpoint_id={endpoint['id']}"),
    ]:
        kwargs: dict[str, Any] = {"headers": other.headers}
        if method in ("patch",) or url.endswith("rotate-secret"):
            kwargs["json"] = {}
        response = getattr(client, method)(url, **kwargs)
        assert response.status_code == 404, (method, url, response.status_code)

    listed = client.get(f"{BASE}/endpoints", headers=other.headers).get_json()
    assert listed["items"] == []
    deliveries = client.get(f"{BASE}/deliveries", headers=other.headers).get_json()
    assert deliveries["items"] == []
    widened = client.get(
        f"{BASE}/deliveries?partner_id={owner.partner_id}", headers=other.headers
    )
    assert widened.status_code == 400
    assert db_session.get(WebhookEndpoint, endpoint["id"]).status == "active"


def test_missing_or_wrong_credentials(
    client: FlaskClient, member: Member, learner: Account
) -> None:
    assert client.get(f"{BASE}/endpoints").status_code == 401
    bogus = {"Authorization": "Bearer sfpk_nothing_here"}
    assert client.get(f"{BASE}/endpoints", headers=bogus).status_code == 401

    as_learner = client.get(f"{BASE}/endpoints", headers=learner.headers)
    assert as_learner.status_code == 403
    assert as_learner.mimetype == "application/problem+json"


def test_huge_ids_are_simply_not_found(client: FlaskClient, member: Member) -> None:
    for url in (
        f"{BASE}/endpoints/99999999999999999999",
        f"{BASE}/deliveries/99999999999999999999",
    ):
        assert client.get(url, headers=member.headers).status_code == 404
    replay = client.post(
        f"{BASE}/dead-letters/99999999999999999999/replay", headers=member.headers
    )
    assert replay.status_code == 404


# --- API keys ---------------------------------------------------------------


def test_api_keys_are_shown_once_scoped_and_revocable(
    client: FlaskClient, db_session: Session, member: Member
) -> None:
    made = client.post(
        "/api/v1/partner/api-keys",
        json={"name": "ATS sync", "scopes": ["webhooks:read"]},
        headers=member.headers,
    )
    assert made.status_code == 201, made.get_json()
    key = made.get_json()["key"]
    as_key = {"Authorization": f"Bearer {key}"}
    assert key.startswith(made.get_json()["prefix"] + "_")

    assert client.get(f"{BASE}/endpoints", headers=as_key).status_code == 200
    writing = client.post(
        f"{BASE}/endpoints",
        json={"url": RECEIVER, "event_types": ["match.created"]},
        headers=as_key,
    )
    assert writing.status_code == 403
    minting = client.post(
        "/api/v1/partner/api-keys",
        json={"name": "more", "scopes": ["webhooks:read"]},
        headers=as_key,
    )
    assert minting.status_code == 403

    listed = client.get("/api/v1/partner/api-keys", headers=member.headers).get_json()
    assert "key" not in listed["items"][0]
    assert listed["items"][0]["last_used_at"] is not None
    stored = db_session.scalar(select(PartnerApiKey))
    assert stored is not None and key not in stored.digest

    key_id = made.get_json()["id"]
    revoked = client.delete(
        f"/api/v1/partner/api-keys/{key_id}", headers=member.headers
    )
    assert revoked.status_code == 204
    assert client.get(f"{BASE}/endpoints", headers=as_key).status_code == 401


def test_api_keys_need_known_scopes(client: FlaskClient, member: Member) -> None:
    response = client.post(
        "/api/v1/partner/api-keys",
        json={"name": "admin", "scopes": ["everything"]},
        headers=member.headers,
    )

    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"].startswith("scopes")


def test_a_partner_member_sees_the_partner_and_its_members(
    client: FlaskClient, member: Member
) -> None:
    partner = client.get("/api/v1/partner", headers=member.headers)
    members = client.get("/api/v1/partner/members", headers=member.headers)

    assert partner.get_json()["id"] == member.partner_id
    assert [m["id"] for m in members.get_json()["items"]] == [member.user_id]


# --- the outbox -------------------------------------------------------------


def test_an_event_fans_out_to_subscribed_endpoints_that_can_receive(
    client: FlaskClient, db_session: Session, member: Member
) -> None:
    matches = _register(client, member)
    paused = _register(client, member)
    apps = _register(client, member, event_types=["application.created"])
    client.post(f"{BASE}/endpoints/{paused['id']}/pause", headers=member.headers)
    gone = _register(client, member)
    client.delete(f"{BASE}/endpoints/{gone['id']}", headers=member.headers)

    event_id = record_event(db_session, member.partner_id, "match.created", {"x": 1})

    targets = db_session.scalars(
        select(Delivery.endpoint_id).where(Delivery.event_id == event_id)
    ).all()
    assert sorted(targets) == sorted([matches["id"], paused["id"]])
    assert apps["id"] not in targets


def test_the_outbox_refuses_unknown_types_and_non_json(
    db_session: Session, member: Member
) -> None:
    with pytest.raises(UnknownEventType):
        record_event(db_session, member.partner_id, "learner.deleted", {})
    with pytest.raises(TypeError):
        record_event(db_session, member.partner_id, "match.created", {"at": utcnow()})


def test_a_rolled_back_change_sends_nothing(
    client: FlaskClient, db_session: Session, member: Member, redis_client: redis.Redis
) -> None:
    _register(client, member)

    record_event(db_session, member.partner_id, "match.created", {"x": 1})
    db_session.rollback()

    assert _count(db_session, Delivery) == 0
    assert redis_client.llen(f"dramatiq:{dispatcher.QUEUE}") == 0


def test_a_commit_enqueues_its_deliveries_at_once(
    client: FlaskClient, db_session: Session, member: Member, redis_client: redis.Redis
) -> None:
    _register(client, member)
    _register(client, member)

    record_event(db_session, member.partner_id, "match.created", {"x": 1})
    db_session.commit()

    assert redis_client.llen(f"dramatiq:{dispatcher.QUEUE}") == 2


def test_revoked_consent_cancels_what_carries_the_learner_and_was_not_sent(
    client: FlaskClient, db_session: Session, member: Member
) -> None:
    _register(client, member, event_types=["application.created"])
    details = {"learner_id": 41, "learner": {"id": 41, "display_name": "Ada"}}
    record_event(db_session, member.partner_id, "application.created", details)
    record_event(
        db_session, member.partner_id, "application.created", {"learner_id": 41}
    )
    record_event(
        db_session, member.partner_id, "application.created", {"learner": {"id": 42}}
    )

    cancelled = cancel_for_learner(db_session, 41, "consent revoked")

    assert cancelled == 1
    statuses = db_session.scalars(select(Delivery.status).order_by(Delivery.id)).all()
    assert statuses == ["cancelled", "pending", "pending"]


# --- the sweep, dead letters and replay ----------------------------------------


def test_the_sweep_sends_again_only_what_looks_lost(
    client: FlaskClient,
    db_session: Session,
    member: Member,
    redis_client: redis.Redis,
    settings: Settings,
) -> None:
    _register(client, member)
    for number in range(3):
        record_event(db_session, member.partner_id, "match.created", {"n": number})
    db_session.flush()
    stale, leased, fresh = db_session.scalars(select(Delivery).order_by(Delivery.id))
    long_ago = utcnow() - timedelta(seconds=settings.webhooks.sweep_grace + 60)
    stale.due_at = leased.due_at = long_ago
    leased.lease_until = utcnow() + timedelta(seconds=60)
    db_session.commit()
    redis_client.delete(f"dramatiq:{dispatcher.QUEUE}")

    assert dispatcher.sweep(db_session, settings) == 1
    assert dispatcher.sweep(db_session, settings) == 0
    assert redis_client.llen(f"dramatiq:{dispatcher.QUEUE}") == 1
    db_session.refresh(stale)
    db_session.refresh(fresh)
    assert stale.enqueued_at is not None and fresh.enqueued_at is None


def _dead_letters(db_session: Session, settings: Settings, count: int) -> list[int]:
    ids = list(db_session.scalars(select(Delivery.id).order_by(Delivery.id)))[:count]
    for delivery_id in ids:
        dead_letter(db_session, settings, delivery_id, "no success in 8 attempts")
    db_session.commit()
    return ids


def test_dead_letters_are_listed_and_replayed_one_by_one(
    client: FlaskClient, db_session: Session, member: Member, settings: Settings
) -> None:
    endpoint = _register(client, member)
    event_id = record_event(db_session, member.partner_id, "match.created", {})
    [delivery_id] = _dead_letters(db_session, settings, 1)

    listed = client.get(
        f"{BASE}/dead-letters?endpoint_id={endpoint['id']}", headers=member.headers
    ).get_json()
    [letter] = listed["items"]
    assert (letter["delivery_id"], letter["event_id"]) == (delivery_id, event_id)

    replay = client.post(
        f"{BASE}/dead-letters/{letter['id']}/replay", headers=member.headers
    )
    assert replay.status_code == 200
    assert replay.get_json() == {"delivery_id": delivery_id, "status": "pending"}
    again = client.post(
        f"{BASE}/dead-letters/{letter['id']}/replay", headers=member.headers
    )
    assert again.status_code == 404
    history = client.get(
        f"{BASE}/dead-letters?include_replayed=true", headers=member.headers
    ).get_json()
    assert history["items"][0]["replayed_at"] is not None
    delivery = client.get(f"{BASE}/deliveries/{delivery_id}", headers=member.headers)
    assert delivery.get_json()["status"] == "pending"
    assert delivery.get_json()["event_id"] == event_id


def test_dead_letters_are_replayed_in_bulk_but_not_to_a_disabled_endpoint(
    client: FlaskClient, db_session: Session, member: Member, settings: Settings
) -> None:
    endpoint = _register(client, member)
    for number in range(3):
        record_event(db_session, member.partner_id, "match.created", {"n": number})
    _dead_letters(db_session, settings, 3)
    db_session.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint["id"])
        .values(status="disabled")
    )
    db_session.commit()

    refused = client.post(
        f"{BASE}/dead-letters/replay", json={"limit": 10}, headers=member.headers
    )
    assert refused.get_json() == {"replayed": 0}
    client.post(f"{BASE}/endpoints/{endpoint['id']}/resume", headers=member.headers)
    some = client.post(
        f"{BASE}/dead-letters/replay", json={"limit": 2}, headers=member.headers
    )
    rest = client.post(f"{BASE}/dead-letters/replay", json={}, headers=member.headers)

    assert some.get_json() == {"replayed": 2}
    assert rest.get_json() == {"replayed": 1}
    statuses = set(db_session.scalars(select(Delivery.status)))
    assert statuses == {"pending"}


def test_deliveries_and_their_attempts_page(
    client: FlaskClient, db_session: Session, member: Member
) -> None:
    _register(client, member)
    for number in range(3):
        record_event(db_session, member.partner_id, "match.created", {"n": number})
    db_session.commit()

    first = client.get(f"{BASE}/deliveries?per_page=2", headers=member.headers)
    pending = client.get(f"{BASE}/deliveries?status=pending", headers=member.headers)

    assert first.get_json()["has_more"] is True
    assert len(pending.get_json()["items"]) == 3
    delivery_id = first.get_json()["items"][0]["id"]
    attempts = client.get(
        f"{BASE}/deliveries/{delivery_id}/attempts", headers=member.headers
    )
    assert attempts.status_code == 200
    assert attempts.get_json()["items"] == []


# --- the command line ---------------------------------------------------------


@pytest.fixture
def cli_env(services: Services) -> dict[str, str]:
    """The CLI's environment; its sessions join the test's transaction."""
    return env_for(services, SKILLFORGE_MEMBER_PASSWORD="a partner passphrase")


def test_the_cli_adds_a_member_and_an_api_key(
    client: FlaskClient, db_session: Session, member: Member, cli_env: dict[str, str]
) -> None:
    slug = db_session.get(Partner, member.partner_id).slug  # type: ignore[union-attr]
    runner = CliRunner()

    added = runner.invoke(
        cli.main,
        f"partners add-member --partner {slug} --email ops@partners.example "
        "--name Ops".split(),
        env=cli_env,
    )
    made = runner.invoke(
        cli.main,
        f"partners create-key --partner {slug} --name ci --scope webhooks:read".split(),
        env=cli_env,
    )
    unknown = runner.invoke(
        cli.main,
        shlex.split(
            "partners create-key --partner nobody --name x --scope webhooks:read"
        ),
        env=cli_env,
    )

    assert added.exit_code == 0, added.output
    user = db_session.scalar(
        select(User).where(User.email_key == "ops@partners.example")
    )
    assert user is not None and (user.role, user.partner_id) == (
        "partner",
        member.partner_id,
    )
    assert made.exit_code == 0, made.output
    key = made.output.strip().rsplit(" ", 1)[1]
    listed = client.get(f"{BASE}/endpoints", headers={"Authorization": f"Bearer {key}"})
    assert listed.status_code == 200
    assert unknown.exit_code == 1 and "no partner" in unknown.output


def test_the_cli_replays_one_dead_letter_and_names_a_missing_one(
    client: FlaskClient,
    db_session: Session,
    member: Member,
    settings: Settings,
    cli_env: dict[str, str],
) -> None:
    _register(client, member)
    record_event(db_session, member.partner_id, "match.created", {})
    [delivery_id] = _dead_letters(db_session, settings, 1)
    letter_id = db_session.scalar(select(DeadLetter.id))
    runner = CliRunner()

    replayed = runner.invoke(
        cli.main, ["webhooks", "replay", "--id", str(letter_id)], env=cli_env
    )
    missing = runner.invoke(
        cli.main, ["webhooks", "replay", "--id", "999999"], env=cli_env
    )
    neither = runner.invoke(cli.main, ["webhooks", "replay"], env=cli_env)

    assert replayed.exit_code == 0, replayed.output
    assert f"as delivery {delivery_id}" in replayed.output
    assert db_session.get(Delivery, delivery_id).status == "pending"  # type: ignore[union-attr]
    assert missing.exit_code == 1 and "No such dead letter" in missing.output
    assert neither.exit_code == 2


def test_the_cli_dispatch_sends_again_what_looks_lost(
    client: FlaskClient,
    db_session: Session,
    member: Member,
    redis_client: redis.Redis,
    settings: Settings,
    cli_env: dict[str, str],
) -> None:
    _register(client, member)
    record_event(db_session, member.partner_id, "match.created", {})
    delivery = db_session.scalar(select(Delivery))
    assert delivery is not None
    delivery.due_at = utcnow() - timedelta(seconds=settings.webhooks.sweep_grace + 5)
    db_session.commit()
    redis_client.delete(f"dramatiq:{dispatcher.QUEUE}")

    result = CliRunner().invoke(cli.main, ["webhooks", "dispatch"], env=cli_env)

    assert result.exit_code == 0, result.output
    assert "1 deliveries enqueued" in result.output
    assert redis_client.llen(f"dramatiq:{dispatcher.QUEUE}") == 1
