"""Matching services: opportunities, saves, applications, consent, candidates.

Views call these with the request's session; the functions flush and leave
the commit to the caller, so a change, its notification and its webhook
event commit together. Ids another learner or partner owns answer NotFound,
exactly like ids that do not exist.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Select, case, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from app.auth.models import User
from app.db import utcnow
from app.errors import InvalidInput
from app.matching import scoring
from app.matching.errors import (
    AlreadyApplied,
    ApplicationNotFound,
    ConsentRequired,
    IllegalTransition,
    OpportunityClosed,
    OpportunityNotFound,
)
from app.matching.matches import (
    SUMMARY_COLUMNS,
    explanation_body,
    learner_region,
    skill_names,
    summary,
)
from app.matching.models import (
    Application,
    Opportunity,
    OpportunitySkill,
    SavedOpportunity,
)
from app.notifications.service import notify
from app.pagination import check_page, page_of
from app.partners.models import Partner
from app.profiles.models import LearnerProfile, LearnerSkill, Skill
from app.webhooks.outbox import cancel_for_learner, record_event

logger = logging.getLogger(__name__)

MAX_ID = 2**31 - 1

# Who may move an application where. The partner moves it forward or
# rejects it; the learner may withdraw until it ends; the ends are final.
TRANSITIONS: dict[str, frozenset[str]] = {
    "submitted": frozenset({"reviewing", "rejected", "withdrawn"}),
    "reviewing": frozenset({"interview", "offered", "rejected", "withdrawn"}),
    "interview": frozenset({"offered", "rejected", "withdrawn"}),
    "offered": frozenset({"hired", "rejected", "withdrawn"}),
    "hired": frozenset(),
    "rejected": frozenset(),
    "withdrawn": frozenset(),
}
PARTNER_MOVES = frozenset({"reviewing", "interview", "offered", "hired", "rejected"})


def _known_id(value: int) -> bool:
    return 0 < value <= MAX_ID


def _skill_ids(session: Session, wanted: list[dict[str, Any]]) -> dict[str, int]:
    slugs = [item["skill"] for item in wanted]
    if len(set(slugs)) != len(slugs):
        raise InvalidInput([{"field": "skills", "message": "a skill is listed twice"}])

    rows = session.execute(select(Skill.slug, Skill.id).where(Skill.slug.in_(slugs)))
    known = {slug: skill_id for slug, skill_id in rows}
    unknown = [slug for slug in slugs if slug not in known]
    if unknown:
        raise InvalidInput(
            [{"field": "skills", "message": f"unknown skill: {s}"} for s in unknown]
        )

    return known


# --- Shapes -----------------------------------------------------------------


def opportunity_body(opportunity: Opportunity) -> dict[str, Any]:
    """An opportunity in the shape of ``OpportunityOut``."""
    return {
        "id": opportunity.id,
        "title": opportunity.title,
        "kind": opportunity.kind,
        "region": opportunity.region,
        "description": opportunity.description,
        "status": opportunity.status,
        "partner_name": opportunity.partner.name,
        "skills": [
            {"skill": r.skill.slug, "name": r.skill.name, "min_level": r.min_level}
            for r in opportunity.required_skills
        ],
        "created_at": opportunity.created_at,
        "updated_at": opportunity.updated_at,
        "closed_at": opportunity.closed_at,
    }


def _load_opportunity(session: Session, opportunity_id: int) -> Opportunity | None:
    if not _known_id(opportunity_id):
        return None

    return session.scalar(
        select(Opportunity)
        .where(Opportunity.id == opportunity_id)
        .options(
            selectinload(Opportunity.required_skills).selectinload(
                OpportunitySkill.skill
            ),
            selectinload(Opportunity.partner),
        )
    )


# --- Learners: opportunities, saves, applications ------------------------------


def visible_opportunity(
    session: Session, user: User, opportunity_id: int
) -> Opportunity:
    """The opportunity, if it is in the learner's region; else NotFound."""
    opportunity = _load_opportunity(session, opportunity_id)
    if opportunity is None or opportunity.region != learner_region(session, user.id):
        raise OpportunityNotFound("No such opportunity.")

    return opportunity


def learner_opportunity_body(
    session: Session, user: User, opportunity: Opportunity
) -> dict[str, Any]:
    """``LearnerOpportunityOut``: the opportunity, and what the learner did."""
    saved = session.get(SavedOpportunity, (user.id, opportunity.id)) is not None
    application_id = session.scalar(
        select(Application.id).where(
            Application.user_id == user.id,
            Application.opportunity_id == opportunity.id,
        )
    )
    return {
        **opportunity_body(opportunity),
        "saved": saved,
        "application_id": application_id,
    }


def save_opportunity(
    session: Session, user: User, opportunity_id: int
) -> tuple[SavedOpportunity, bool]:
    """Save an open opportunity; return the save and whether it is new.

    Saving again what is saved changes nothing, even once it closed.
    """
    opportunity = visible_opportunity(session, user, opportunity_id)
    existing = session.get(SavedOpportunity, (user.id, opportunity.id))
    if existing is not None:
        return existing, False
    if opportunity.status != "open":
        raise OpportunityClosed("A closed opportunity cannot be saved.")

    saved = SavedOpportunity(user_id=user.id, opportunity_id=opportunity.id)
    session.add(saved)
    session.flush()

    logger.info("Learner %d saved opportunity %d.", user.id, opportunity.id)
    return saved, True


def unsave_opportunity(session: Session, user: User, opportunity_id: int) -> None:
    """Forget a save; forgetting one that does not exist does nothing."""
    opportunity = visible_opportunity(session, user, opportunity_id)
    session.execute(
        delete(SavedOpportunity).where(
            SavedOpportunity.user_id == user.id,
            SavedOpportunity.opportunity_id == opportunity.id,
        )
    )
    session.flush()


def saved_body(saved: SavedOpportunity) -> dict[str, Any]:
    """A save in the shape of ``SavedOut``."""
    return {"opportunity": _summary_of(saved.opportunity), "saved_at": saved.created_at}


def _summary_of(opportunity: Opportunity) -> dict[str, Any]:
    return {
        "id": opportunity.id,
        "title": opportunity.title,
        "kind": opportunity.kind,
        "region": opportunity.region,
        "status": opportunity.status,
        "partner_name": opportunity.partner.name,
    }


def saved_page(session: Session, user: User, page: int, per_page: int) -> Any:
    """The learner's saved opportunities, newest save first."""
    statement = (
        select(SavedOpportunity.created_at.label("saved_at"), *SUMMARY_COLUMNS)
        .join(Opportunity, Opportunity.id == SavedOpportunity.opportunity_id)
        .join(Partner, Partner.id == Opportunity.partner_id)
        .where(
            SavedOpportunity.user_id == user.id,
            Opportunity.region == learner_region(session, user.id),
        )
        .order_by(SavedOpportunity.created_at.desc(), Opportunity.id.desc())
    )
    body = page_of(session, statement, page, per_page)
    body["items"] = [
        {"opportunity": summary(row), "saved_at": row["saved_at"]}
        for row in body["items"]
    ]
    return body


def apply(
    session: Session, user: User, opportunity_id: int, message: str = ""
) -> Application:
    """Apply to an open opportunity, once; the learner must consent to sharing.

    The partner hears of it by webhook and the learner by notification, both
    in this transaction.
    """
    opportunity = visible_opportunity(session, user, opportunity_id)
    profile = session.get(LearnerProfile, user.id)
    if profile is None or profile.partner_sharing_consent_at is None:
        raise ConsentRequired(
            "Applying shares your profile with the partner: allow sharing "
            "with partners first (POST /api/v1/consent/partner-sharing)."
        )
    if _application_of(session, user.id, opportunity.id) is not None:
        raise AlreadyApplied("You applied to this opportunity already.")
    if opportunity.status != "open":
        raise OpportunityClosed("A closed opportunity takes no applications.")

    application = Application(
        user_id=user.id, opportunity_id=opportunity.id, message=message
    )
    session.add(application)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        # A second request of the same learner raced past the check above.
        raise AlreadyApplied("You applied to this opportunity already.") from exc

    notify(
        session,
        user.id,
        "application_status_changed",
        f"Application sent: {opportunity.title}",
        f"{opportunity.partner.name} has your application for {opportunity.title}.",
        {"application_id": application.id, "status": application.status},
    )
    record_event(
        session,
        opportunity.partner_id,
        "application.created",
        _application_payload(application, profile, user),
    )
    logger.info(
        "Learner %d applied to opportunity %d (application %d).",
        user.id,
        opportunity.id,
        application.id,
    )
    return application


def _application_of(
    session: Session, user_id: int, opportunity_id: int
) -> Application | None:
    return session.scalar(
        select(Application).where(
            Application.user_id == user_id,
            Application.opportunity_id == opportunity_id,
        )
    )


def _application_payload(
    application: Application, profile: LearnerProfile | None, user: User | None
) -> dict[str, Any]:
    """Ids always; the learner's details only while they consent."""
    payload: dict[str, Any] = {
        "application_id": application.id,
        "opportunity_id": application.opportunity_id,
        "learner_id": application.user_id,
        "status": application.status,
    }
    if profile is not None and user is not None and profile.partner_sharing_consent_at:
        payload["learner"] = {
            "id": user.id,
            "display_name": user.display_name,
            "persona": profile.persona,
            "region": profile.region,
        }

    return payload


def application_body(session: Session, application: Application) -> dict[str, Any]:
    """An application in the shape of ``ApplicationOut``."""
    return {
        "id": application.id,
        "status": application.status,
        "message": application.message,
        "opportunity": _summary_of(application.opportunity),
        "created_at": application.created_at,
        "status_changed_at": application.status_changed_at,
    }


def applications_page(session: Session, user: User, page: int, per_page: int) -> Any:
    """The learner's applications, newest first."""
    statement = (
        select(
            Application.id,
            Application.status.label("application_status"),
            Application.message,
            Application.created_at,
            Application.status_changed_at,
            *SUMMARY_COLUMNS,
        )
        .join(Opportunity, Opportunity.id == Application.opportunity_id)
        .join(Partner, Partner.id == Opportunity.partner_id)
        .where(Application.user_id == user.id)
        .order_by(Application.created_at.desc(), Application.id.desc())
    )
    body = page_of(session, statement, page, per_page)
    body["items"] = [
        {
            "id": row["id"],
            "status": row["application_status"],
            "message": row["message"],
            "opportunity": summary(row),
            "created_at": row["created_at"],
            "status_changed_at": row["status_changed_at"],
        }
        for row in body["items"]
    ]
    return body


def withdraw(session: Session, user: User, application_id: int) -> Application:
    """The learner withdraws their application, unless it has ended."""
    application = (
        session.get(Application, application_id) if _known_id(application_id) else None
    )
    if application is None or application.user_id != user.id:
        raise ApplicationNotFound("No such application.")

    _move(session, application, "withdrawn")
    return application


def _move(session: Session, application: Application, to: str) -> None:
    """Change the status along ``TRANSITIONS``, then tell both sides."""
    session.refresh(application, with_for_update=True)
    previous = application.status
    if to not in TRANSITIONS[previous]:
        raise IllegalTransition(
            f"An application that is {previous} cannot become {to}.",
            current_status=previous,
        )

    application.status = to
    application.status_changed_at = utcnow()
    session.flush()

    opportunity = application.opportunity
    notify(
        session,
        application.user_id,
        "application_status_changed",
        f"Application {to}: {opportunity.title}",
        f"Your application for {opportunity.title} at {opportunity.partner.name} "
        f"is now {to}.",
        {"application_id": application.id, "status": to, "previous": previous},
    )
    profile = session.get(LearnerProfile, application.user_id)
    learner = session.get(User, application.user_id)
    payload = _application_payload(application, profile, learner)
    payload["previous_status"] = previous
    record_event(session, opportunity.partner_id, "application.status_changed", payload)
    logger.info("Application %d moved from %s to %s.", application.id, previous, to)


# --- Consent ----------------------------------------------------------------


def consent_body(profile: LearnerProfile) -> dict[str, Any]:
    granted = profile.partner_sharing_consent_at
    return {"partner_sharing": granted is not None, "granted_at": granted}


def _profile(session: Session, user: User) -> LearnerProfile:
    profile = session.get(LearnerProfile, user.id)
    if profile is None:
        raise OpportunityNotFound("No such learner.")

    return profile


def grant_partner_consent(session: Session, user: User) -> LearnerProfile:
    """Let partners see the learner; granting again keeps the first date."""
    profile = _profile(session, user)
    if profile.partner_sharing_consent_at is None:
        profile.partner_sharing_consent_at = utcnow()
        session.flush()
        logger.info("Learner %d allowed sharing with partners.", user.id)

    return profile


def revoke_partner_consent(session: Session, user: User) -> LearnerProfile:
    """Hide the learner from partners from now on.

    Webhook deliveries that carry the learner and are not sent yet are
    cancelled in the same transaction. Applications stay, but partners no
    longer see them; the learner still does.
    """
    profile = _profile(session, user)
    if profile.partner_sharing_consent_at is not None:
        profile.partner_sharing_consent_at = None
        session.flush()
        cancelled = cancel_for_learner(session, user.id, "consent revoked")
        logger.info(
            "Learner %d revoked sharing with partners; %d deliveries cancelled.",
            user.id,
            cancelled,
        )

    return profile


# --- Partners: opportunities ----------------------------------------------------


def partner_opportunity(
    session: Session, partner_id: int, opportunity_id: int
) -> Opportunity:
    """One of the partner's own opportunities; another's answers NotFound."""
    opportunity = _load_opportunity(session, opportunity_id)
    if opportunity is None or opportunity.partner_id != partner_id:
        raise OpportunityNotFound("No such opportunity.")

    return opportunity


def partner_opportunities_page(
    session: Session,
    partner_id: int,
    status: str | None,
    page: int,
    per_page: int,
) -> Any:
    """The partner's opportunities, newest first, with their requirements."""
    statement = select(Opportunity.id).where(Opportunity.partner_id == partner_id)
    if status is not None:
        statement = statement.where(Opportunity.status == status)
    body = page_of(session, statement.order_by(Opportunity.id.desc()), page, per_page)

    ids = [row["id"] for row in body["items"]]
    loaded = {
        o.id: o
        for o in session.scalars(
            select(Opportunity)
            .where(Opportunity.id.in_(ids))
            .options(
                selectinload(Opportunity.required_skills).selectinload(
                    OpportunitySkill.skill
                ),
                selectinload(Opportunity.partner),
            )
        )
    }
    body["items"] = [opportunity_body(loaded[i]) for i in ids]
    return body


def _check_region(partner: Partner, region: str) -> None:
    if region not in partner.regions:
        raise InvalidInput(
            [
                {
                    "field": "region",
                    "message": f"this partner serves {', '.join(partner.regions)}",
                }
            ]
        )


def create_opportunity(
    session: Session, partner_id: int, fields: dict[str, Any]
) -> Opportunity:
    """Publish an opportunity in one of the partner's regions."""
    partner = session.get(Partner, partner_id)
    if partner is None:
        raise OpportunityNotFound("No such partner.")
    _check_region(partner, fields["region"])
    known = _skill_ids(session, fields["skills"])

    opportunity = Opportunity(
        partner_id=partner.id,
        title=fields["title"],
        kind=fields["kind"],
        region=fields["region"],
        description=fields.get("description") or "",
        status="open",
    )
    for item in fields["skills"]:
        opportunity.required_skills.append(
            OpportunitySkill(skill_id=known[item["skill"]], min_level=item["min_level"])
        )
    session.add(opportunity)
    session.flush()

    logger.info("Partner %d published opportunity %d.", partner.id, opportunity.id)
    return _reloaded(session, opportunity.id)


def update_opportunity(
    session: Session, partner_id: int, opportunity_id: int, changes: dict[str, Any]
) -> Opportunity:
    """Change an opportunity; a skills list replaces its requirements."""
    opportunity = partner_opportunity(session, partner_id, opportunity_id)
    for name in ("title", "kind", "description"):
        if changes.get(name) is not None:
            setattr(opportunity, name, changes[name])

    if changes.get("skills") is not None:
        known = _skill_ids(session, changes["skills"])
        opportunity.required_skills.clear()
        session.flush()
        for item in changes["skills"]:
            opportunity.required_skills.append(
                OpportunitySkill(
                    skill_id=known[item["skill"]], min_level=item["min_level"]
                )
            )

    # Requirements live in another table: move the timestamp by hand.
    opportunity.updated_at = utcnow()
    session.flush()

    logger.info("Partner %d changed opportunity %d.", partner_id, opportunity.id)
    return _reloaded(session, opportunity.id)


def close_opportunity(
    session: Session, partner_id: int, opportunity_id: int
) -> Opportunity:
    """Close an opportunity: no new saves or applications, no more matching.

    Closing a closed opportunity changes nothing.
    """
    opportunity = partner_opportunity(session, partner_id, opportunity_id)
    if opportunity.status != "closed":
        opportunity.status = "closed"
        opportunity.closed_at = utcnow()
        session.flush()
        logger.info("Partner %d closed opportunity %d.", partner_id, opportunity.id)

    return opportunity


def _reloaded(session: Session, opportunity_id: int) -> Opportunity:
    session.expire_all()
    opportunity = _load_opportunity(session, opportunity_id)
    assert opportunity is not None
    return opportunity


# --- Partners: candidates and applications ----------------------------------------


def _partner_regions(session: Session, partner_id: int) -> list[str]:
    regions = session.scalar(select(Partner.regions).where(Partner.id == partner_id))
    return list(regions or [])


def candidates_query(opportunity_id: int, region: str, required: int) -> Select[Any]:
    """Consenting learners of ``region`` ranked for one opportunity, in SQL.

    The formula of ``scoring``, summed over the learner's skills that the
    opportunity requires; learners who earn nothing are left out. Ordered by
    score, then learner id.
    """
    assessed = func.coalesce(LearnerSkill.assessed_level, 0)
    has = func.greatest(LearnerSkill.self_level, assessed)
    units = func.sum(
        case(
            (assessed >= OpportunitySkill.min_level, scoring.UNITS),
            (has >= OpportunitySkill.min_level, scoring.SELF_RATED_UNITS),
            else_=scoring.PARTIAL_UNITS * has // OpportunitySkill.min_level,
        )
    )
    possible = scoring.UNITS * required
    score = (units * 2 * scoring.BASIS_POINTS + possible) // (2 * possible)

    return (
        select(
            User.id.label("learner_id"),
            User.display_name,
            LearnerProfile.persona,
            LearnerProfile.region,
            LearnerProfile.headline,
            score.label("score"),
        )
        .select_from(OpportunitySkill)
        .join(LearnerSkill, LearnerSkill.skill_id == OpportunitySkill.skill_id)
        .join(LearnerProfile, LearnerProfile.user_id == LearnerSkill.user_id)
        .join(User, User.id == LearnerProfile.user_id)
        .where(
            OpportunitySkill.opportunity_id == opportunity_id,
            LearnerProfile.region == region,
            LearnerProfile.partner_sharing_consent_at.is_not(None),
        )
        .group_by(User.id, LearnerProfile.user_id)
        .having(units > 0)
        .order_by(score.desc(), User.id)
    )


def candidates_page(
    session: Session, partner_id: int, opportunity_id: int, page: int, per_page: int
) -> Any:
    """Consenting learners ranked for one of the partner's opportunities.

    Only learners of the opportunity's region, and only if the partner may
    see that region; each with the explanation of their score.
    """
    opportunity = partner_opportunity(session, partner_id, opportunity_id)
    required = [(r.skill_id, r.min_level) for r in opportunity.required_skills]
    if opportunity.region not in _partner_regions(session, partner_id) or not required:
        check_page(page, per_page)
        return {"items": [], "page": page, "per_page": per_page, "has_more": False}

    statement = candidates_query(opportunity.id, opportunity.region, len(required))
    body = page_of(session, statement, page, per_page)

    ids = [row["learner_id"] for row in body["items"]]
    levels = _levels_of(session, ids, [skill for skill, _ in required])
    names = skill_names(session, {skill for skill, _ in required})
    items = []
    for row in body["items"]:
        score = scoring.score_learner(levels.get(row["learner_id"], {}), required)
        items.append(
            {
                "learner": _learner_card(row),
                "score": scoring.points(row["score"]),
                "explanation": explanation_body(score, names),
            }
        )
    body["items"] = items
    return body


def _levels_of(
    session: Session, user_ids: list[int], skill_ids: list[int]
) -> dict[int, dict[int, tuple[int, int]]]:
    rows = session.execute(
        select(
            LearnerSkill.user_id,
            LearnerSkill.skill_id,
            LearnerSkill.self_level,
            LearnerSkill.assessed_level,
        ).where(
            LearnerSkill.user_id.in_(user_ids), LearnerSkill.skill_id.in_(skill_ids)
        )
    )
    grouped: dict[int, list[tuple[int, int, int | None]]] = {}
    for user_id, skill_id, own, assessed in rows:
        grouped.setdefault(user_id, []).append((skill_id, own, assessed))

    return {uid: scoring.learner_levels(found) for uid, found in grouped.items()}


def _learner_card(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["learner_id"],
        "display_name": row["display_name"],
        "persona": row["persona"],
        "region": row["region"],
        "headline": row["headline"],
    }


def _visible_applications(partner_id: int, regions: list[str]) -> Select[Any]:
    return (
        select(
            Application.id,
            Application.status,
            Application.message,
            Application.created_at,
            Application.status_changed_at,
            Opportunity.id.label("opportunity_id"),
            Opportunity.title.label("opportunity_title"),
            User.id.label("learner_id"),
            User.display_name,
            LearnerProfile.persona,
            LearnerProfile.region,
            LearnerProfile.headline,
        )
        .join(Opportunity, Opportunity.id == Application.opportunity_id)
        .join(User, User.id == Application.user_id)
        .join(LearnerProfile, LearnerProfile.user_id == Application.user_id)
        .where(
            Opportunity.partner_id == partner_id,
            LearnerProfile.partner_sharing_consent_at.is_not(None),
            LearnerProfile.region.in_(regions),
        )
    )


def partner_applications_page(
    session: Session,
    partner_id: int,
    status: str | None,
    opportunity_id: int | None,
    page: int,
    per_page: int,
) -> Any:
    """Applications to the partner's opportunities from consenting learners."""
    statement = _visible_applications(partner_id, _partner_regions(session, partner_id))
    if status is not None:
        statement = statement.where(Application.status == status)
    if opportunity_id is not None:
        statement = statement.where(Application.opportunity_id == opportunity_id)
    statement = statement.order_by(Application.created_at.desc(), Application.id.desc())

    body = page_of(session, statement, page, per_page)
    body["items"] = [_partner_application(row) for row in body["items"]]
    return body


def _partner_application(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "status": row["status"],
        "message": row["message"],
        "opportunity_id": row["opportunity_id"],
        "opportunity_title": row["opportunity_title"],
        "learner": _learner_card(row),
        "created_at": row["created_at"],
        "status_changed_at": row["status_changed_at"],
    }


def change_status(
    session: Session, partner_id: int, application_id: int, status: str
) -> dict[str, Any]:
    """The partner moves an application it sees; returns it as the partner sees it."""
    if status not in PARTNER_MOVES:
        raise IllegalTransition(f"A partner cannot set an application to {status}.")

    regions = _partner_regions(session, partner_id)
    visible = _visible_applications(partner_id, regions).where(
        Application.id == application_id
    )
    if not _known_id(application_id) or session.execute(visible).first() is None:
        raise ApplicationNotFound("No such application.")

    application = session.get(Application, application_id)
    assert application is not None
    _move(session, application, status)

    row = session.execute(visible).mappings().one()
    return _partner_application(dict(row))
