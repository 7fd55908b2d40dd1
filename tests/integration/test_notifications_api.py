"""In-app notifications and preferences through the JSON API, and ``notify``
as other domains call it, against real PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.errors import NotFound
from app.notifications.models import EmailOutbox, Notification
from app.notifications.service import (
    DEFAULT_PREFERENCES,
    UnknownNotificationKind,
    notify,
    set_preferences,
)
from tests.fixtures import Account, sign_up, verify_address

pytestmark = pytest.mark.integration

PROBLEM = "application/problem+json"


def add(
    db_session: Session, user_id: int, count: int, kind: str = "new_match"
) -> list[int]:
    ids = [
        notify(db_session, user_id, kind, f"Title {n}", f"Body {n}", {"n": n}).id
        for n in range(count)
    ]
    db_session.commit()
    return ids


def get(client: FlaskClient, account: Account, path: str) -> Any:
    return client.get(f"/api/v1/notifications{path}", headers=account.headers)


def post(client: FlaskClient, account: Account, path: str) -> Any:
    return client.post(f"/api/v1/notifications{path}", headers=account.headers)


def unread(client: FlaskClient, account: Account) -> int:
    count: int = get(client, account, "/unread-count").get_json()["unread"]
    return count


def stored_state(db_session: Session) -> list[tuple[int, bool]]:
    db_session.expire_all()
    rows = db_session.execute(
        select(Notification.id, Notification.read_at.is_(None)).order_by(
            Notification.id
        )
    )
    return [(row[0], row[1]) for row in rows]


def test_the_inbox_lists_newest_first_and_counts_unread(
    client: FlaskClient, db_session: Session, learner: Account
) -> None:
    ids = add(db_session, learner.id, 3)

    body = get(client, learner, "").get_json()

    assert [item["id"] for item in body["items"]] == ids[::-1]
    assert body["items"][0] == {
        "id": ids[2],
        "kind": "new_match",
        "title": "Title 2",
        "body": "Body 2",
        "data": {"n": 2},
        "created_at": body["items"][0]["created_at"],
        "read_at": None,
    }
    assert body["has_more"] is False
    assert unread(client, learner) == 3


def test_marking_one_read_keeps_the_first_time(
    client: FlaskClient, db_session: Session, learner: Account
) -> None:
    first, second = add(db_session, learner.id, 2)

    marked = post(client, learner, f"/{first}/read")
    again = post(client, learner, f"/{first}/read")

    assert marked.status_code == again.status_code == 200
    assert marked.get_json()["read_at"] is not None
    assert again.get_json()["read_at"] == marked.get_json()["read_at"]
    assert unread(client, learner) == 1
    only_unread = get(client, learner, "?unread_only=true").get_json()["items"]
    assert [item["id"] for item in only_unread] == [second]


def test_marking_all_read_says_how_many(
    client: FlaskClient, db_session: Session, learner: Account
) -> None:
    first, *_ = add(db_session, learner.id, 3)
    post(client, learner, f"/{first}/read")

    response = post(client, learner, "/read-all")

    assert response.status_code == 200
    assert response.get_json() == {"marked": 2}
    assert unread(client, learner) == 0
    assert post(client, learner, "/read-all").get_json() == {"marked": 0}


def test_someone_elses_notification_is_404_and_stays_unread(
    client: FlaskClient, db_session: Session, learner: Account
) -> None:
    other = sign_up(client)
    [theirs] = add(db_session, other.id, 1)
    before = stored_state(db_session)

    response = post(client, learner, f"/{theirs}/read")
    post(client, learner, "/read-all")

    assert response.status_code == 404
    assert response.mimetype == PROBLEM
    assert stored_state(db_session) == before
    assert get(client, learner, "").get_json()["items"] == []
    assert unread(client, other) == 1


@pytest.mark.parametrize(
    "notification_id", ["999999", "99999999999", "0"], ids=["unknown", "huge", "zero"]
)
def test_unknown_notification_ids_are_404(
    client: FlaskClient, learner: Account, notification_id: str
) -> None:
    response = post(client, learner, f"/{notification_id}/read")

    assert response.status_code == 404
    assert response.mimetype == PROBLEM


def test_a_kind_turned_off_in_the_app_is_recorded_but_not_shown(
    client: FlaskClient, db_session: Session, learner: Account
) -> None:
    set_preferences(
        db_session, learner.id, {"new_match": {"in_app": False, "email": False}}
    )
    [hidden] = add(db_session, learner.id, 1)
    add(db_session, learner.id, 1, kind="assessment_completed")

    items = get(client, learner, "").get_json()["items"]

    assert [item["kind"] for item in items] == ["assessment_completed"]
    assert unread(client, learner) == 1
    assert post(client, learner, f"/{hidden}/read").status_code == 404
    assert db_session.get(Notification, hidden) is not None


def test_the_inbox_paginates_with_an_honest_end(
    client: FlaskClient, db_session: Session, learner: Account
) -> None:
    ids = add(db_session, learner.id, 4)

    first = get(client, learner, "?per_page=2").get_json()
    second = get(client, learner, "?page=2&per_page=2").get_json()
    beyond = get(client, learner, "?page=3&per_page=2")

    assert ([i["id"] for i in first["items"]], first["has_more"]) == (
        ids[:1:-1],
        True,
    )
    assert ([i["id"] for i in second["items"]], second["has_more"]) == (
        ids[1::-1],
        False,
    )
    assert beyond.status_code == 200
    assert beyond.get_json()["items"] == []


@pytest.mark.parametrize(
    "query",
    [
        "?page=0",
        "?page=-1",
        "?per_page=0",
        "?per_page=101",
        "?per_page=x",
        "?unread_only=maybe",
    ],
    ids=["page-zero", "page-negative", "size-zero", "size-over-cap", "nan", "flag"],
)
def test_bad_inbox_queries_are_400(
    client: FlaskClient, learner: Account, query: str
) -> None:
    response = get(client, learner, query)

    assert response.status_code == 400
    assert response.mimetype == PROBLEM


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", ""),
        ("GET", "/unread-count"),
        ("POST", "/1/read"),
        ("POST", "/read-all"),
        ("GET", "/preferences"),
        ("PUT", "/preferences"),
    ],
    ids=["list", "count", "read", "read-all", "preferences", "change-preferences"],
)
def test_every_notification_route_needs_a_token(
    client: FlaskClient, method: str, path: str
) -> None:
    response = client.open(f"/api/v1/notifications{path}", method=method)

    assert response.status_code == 401
    assert response.mimetype == PROBLEM


# --- preferences ------------------------------------------------------------


def test_preferences_start_from_the_defaults(
    client: FlaskClient, learner: Account
) -> None:
    body = get(client, learner, "/preferences").get_json()

    assert body == {
        kind: {"in_app": in_app, "email": by_email}
        for kind, (in_app, by_email) in DEFAULT_PREFERENCES.items()
    }


def test_changing_one_kind_keeps_the_others(
    client: FlaskClient, learner: Account
) -> None:
    response = client.put(
        "/api/v1/notifications/preferences",
        json={"new_match": {"in_app": False, "email": False}},
        headers=learner.headers,
    )

    assert response.status_code == 200
    assert response.get_json()["new_match"] == {"in_app": False, "email": False}
    assert get(client, learner, "/preferences").get_json() == response.get_json()
    assert response.get_json()["application_status_changed"] == {
        "in_app": True,
        "email": True,
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"new_match": {"in_app": "yes", "email": True}}, "in_app"),
        ({"new_match": {"in_app": True}}, "email"),
        ({"new_match": {"in_app": True, "email": True, "sms": True}}, "sms"),
        ({"birthday": {"in_app": True, "email": True}}, "birthday"),
        ({"new_match": "off"}, "new_match"),
    ],
    ids=["wrong-type", "missing-switch", "extra-switch", "unknown-kind", "not-object"],
)
def test_bad_preferences_get_422_and_change_nothing(
    client: FlaskClient, learner: Account, body: dict[str, Any], field: str
) -> None:
    before = get(client, learner, "/preferences").get_json()

    response = client.put(
        "/api/v1/notifications/preferences", json=body, headers=learner.headers
    )

    assert response.status_code == 422
    assert any(field in e["field"] for e in response.get_json()["errors"])
    assert get(client, learner, "/preferences").get_json() == before


def test_preferences_that_are_not_json_are_refused(
    client: FlaskClient, learner: Account
) -> None:
    broken = client.put(
        "/api/v1/notifications/preferences",
        data='{"new_match": ',
        content_type="application/json",
        headers=learner.headers,
    )
    form = client.put(
        "/api/v1/notifications/preferences",
        data="new_match=off",
        content_type="application/x-www-form-urlencoded",
        headers=learner.headers,
    )

    assert broken.status_code == 400
    assert form.status_code == 415


# --- notify, as other domains call it ---------------------------------------


def test_notify_emails_only_the_kinds_the_user_wants(
    db_session: Session, learner: Account
) -> None:
    verify_address(db_session, learner)

    def mails() -> int:
        return (
            db_session.scalar(
                select(func.count())
                .select_from(EmailOutbox)
                .where(
                    EmailOutbox.user_id == learner.id,
                    EmailOutbox.kind != "verify_email",
                )
            )
            or 0
        )

    notify(db_session, learner.id, "assessment_completed", "Done", "Passed")
    assert mails() == 0
    notify(db_session, learner.id, "application_status_changed", "News", "Shortlisted")
    assert mails() == 1
    set_preferences(
        db_session,
        learner.id,
        {"application_status_changed": {"in_app": True, "email": False}},
    )
    notify(db_session, learner.id, "application_status_changed", "News", "Hired")
    assert mails() == 1


def test_an_unverified_address_gets_the_notification_but_no_mail(
    client: FlaskClient, db_session: Session, learner: Account
) -> None:
    notify(db_session, learner.id, "application_status_changed", "News", "Hired")
    db_session.commit()

    kinds = db_session.scalars(
        select(EmailOutbox.kind).where(EmailOutbox.user_id == learner.id)
    ).all()
    assert kinds == ["verify_email"]
    inbox = client.get("/api/v1/notifications", headers=learner.headers).get_json()
    assert [n["body"] for n in inbox["items"]] == ["Hired"]


def test_notify_refuses_unknown_kinds_and_users(
    db_session: Session, learner: Account
) -> None:
    with pytest.raises(UnknownNotificationKind):
        notify(db_session, learner.id, "birthday", "Happy", "Birthday")
    with pytest.raises(NotFound):
        notify(db_session, 2_000_000_000, "new_match", "A match", "For nobody")


def test_notify_shortens_a_long_title_and_keeps_unicode(
    db_session: Session, learner: Account
) -> None:
    title = "Zoë 🚀 " + "x" * 200

    notification = notify(db_session, learner.id, "new_match", title, "山田 ✓")

    assert notification.title == title[:160]
    assert notification.body == "山田 ✓"
