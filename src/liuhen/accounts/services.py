"""Account commands: instance set-up, users, certificates and API tokens. Each is ledgered."""

from __future__ import annotations

import os
import secrets
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from liuhen.accounts.models import Agency, ApiToken, Certificate, Role, Unit, User
from liuhen.core.errors import Forbidden, InvalidInput, NotFound
from liuhen.ledger import services as ledger
from liuhen.ledger import signing
from liuhen.private import FILE_MODE, make_dirs

TOKEN_PREFIX = "lh_"


def ensure_home() -> None:
    """Create LIUHEN_HOME (0700), its secret key and the checkpoint signing key (0600); never overwrite."""
    home = make_dirs(settings.HOME)
    secret = home / "secret.key"
    if not secret.exists():
        fd = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(secrets.token_urlsafe(50))
    signing.create_key(settings.SIGNING_KEY_PATH)


def _check_password(password: str, user: User | None = None) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput("密码不符合要求：" + "；".join(exc.messages)) from exc


@transaction.atomic
def create_admin(*, password: str | None = None) -> tuple[User, str | None]:
    """The `admin` superuser. Returns the generated password once (None if given or already there)."""
    existing = User.objects.filter(username="admin").first()
    if existing is not None:
        return existing, None
    generated = None
    if password is None:
        password = generated = secrets.token_urlsafe(12)
    user = User(username="admin", full_name="系统管理员", role=Role.ADMIN, is_staff=True, is_superuser=True)
    _check_password(password, user)
    user.set_password(password)
    user.save()
    ledger.append(
        actor=ledger.SYSTEM,
        action="user.created",
        subject_type="user",
        subject_id=user.pk,
        body={"username": user.username, "role": user.role, "superuser": True},
        rows=[user],
    )
    return user, generated


@transaction.atomic
def create_agency(
    *, actor: User | None, name: str, short_name: str, template: str | None = None, parent: Agency | None = None
) -> Agency:
    if Agency.objects.filter(name=name).exists():
        raise InvalidInput(f"机关“{name}”已存在")
    agency = Agency(name=name, short_name=short_name, parent=parent)
    if template:
        agency.case_no_template = template
    agency.save()
    ledger.append(
        actor=actor,
        action="agency.created",
        subject_type="agency",
        subject_id=agency.pk,
        body={"name": name, "short_name": short_name, "case_no_template": agency.case_no_template},
        rows=[agency],
    )
    return agency


@transaction.atomic
def create_unit(
    *, actor: User | None, agency: Agency, name: str, parent: Unit | None = None, is_legal_unit: bool = False
) -> Unit:
    unit = Unit.objects.create(agency=agency, name=name, parent=parent, is_legal_unit=is_legal_unit)
    ledger.append(
        actor=actor,
        action="unit.created",
        subject_type="unit",
        subject_id=unit.pk,
        body={
            "agency": agency.name,
            "name": name,
            "parent": parent.name if parent else None,
            "legal_unit": is_legal_unit,
        },
        rows=[unit],
    )
    return unit


@transaction.atomic
def create_user(
    *,
    actor: User | None,
    username: str,
    password: str,
    full_name: str,
    role: str,
    agency: Agency | None,
    unit: Unit | None,
    is_staff: bool = False,
) -> User:
    if role not in Role.values:
        raise InvalidInput(f"未知的角色：{role}")
    if User.objects.filter(username=username).exists():
        raise InvalidInput(f"用户名“{username}”已存在")
    user = User(username=username, full_name=full_name, role=role, agency=agency, unit=unit, is_staff=is_staff)
    _check_password(password, user)
    user.set_password(password)
    user.save()
    ledger.append(
        actor=actor,
        action="user.created",
        subject_type="user",
        subject_id=user.pk,
        body={
            "username": username,
            "full_name": full_name,
            "role": role,
            "agency": agency.name if agency else None,
            "unit": unit.name if unit else None,
        },
        rows=[user],
    )
    return user


@transaction.atomic
def issue_certificate(
    *, actor: User | None, user: User, certificate_no: str, valid_from: date, valid_to: date
) -> Certificate:
    if valid_to < valid_from:
        raise InvalidInput("执法证有效期止不能早于有效期起")
    if Certificate.objects.filter(certificate_no=certificate_no).exists():
        raise InvalidInput(f"执法证号 {certificate_no} 已存在")
    cert = Certificate.objects.create(
        user=user, certificate_no=certificate_no, valid_from=valid_from, valid_to=valid_to
    )
    ledger.append(
        actor=actor,
        action="certificate.issued",
        subject_type="certificate",
        subject_id=cert.pk,
        body={
            "user": user.get_username(),
            "certificate_no": certificate_no,
            "valid_from": valid_from.isoformat(),
            "valid_to": valid_to.isoformat(),
        },
        rows=[cert],
    )
    return cert


@transaction.atomic
def create_token(*, actor: User | None, user: User, name: str = "") -> str:
    """A new bearer token for ``user``; the token itself is returned once and never stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken.objects.create(user=user, name=name, token_hash=ApiToken.hash(token), prefix=token[:10])
    ledger.append(
        actor=actor,
        action="token.created",
        subject_type="api_token",
        subject_id=row.pk,
        body={"user": user.get_username(), "name": name, "prefix": row.prefix},
        rows=[row],
    )
    return token


def _revoke(actor: User | None, row: ApiToken) -> None:
    if row.revoked_at is None:
        row.revoked_at = timezone.now()
        row.save(update_fields=["revoked_at"])
        ledger.append(
            actor=actor,
            action="token.revoked",
            subject_type="api_token",
            subject_id=row.pk,
            body={"user": row.user.get_username(), "prefix": row.prefix},
            rows=[row],
        )


def administers_user(actor: User, user: User) -> bool:
    """The system administrator of the user's agency (or of the instance, who belongs to none) manages accounts,
    by role like everything else (no superuser shortcut)."""
    return actor.role == Role.ADMIN and actor.is_active and actor.agency_id in (None, user.agency_id)


@transaction.atomic
def revoke_token(*, actor: User, token_id: int) -> ApiToken:
    row = ApiToken.objects.select_for_update().filter(pk=token_id).first()
    if row is None:
        raise NotFound("令牌不存在")
    if row.user_id != actor.pk and not administers_user(actor, row.user):
        raise Forbidden("只能吊销自己的令牌")
    _revoke(actor, row)
    return row


@transaction.atomic
def revoke_tokens(*, actor: User | None, user: User, prefix: str = "") -> int:
    """Revoke a user's live tokens (all, or the one whose printed prefix is given): for an administrator when a
    token is lost or an officer leaves."""
    rows = list(
        ApiToken.objects.select_for_update().filter(user=user, revoked_at__isnull=True, prefix__startswith=prefix)
    )
    if prefix and not rows:
        raise NotFound(f"{user.get_username()} 没有以 {prefix} 开头的有效令牌")
    for row in rows:
        _revoke(actor, row)
    return len(rows)


TOKEN_USE_RESOLUTION = timedelta(minutes=1)


def user_for_token(token: str) -> User | None:
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = (
        ApiToken.objects.select_related("user").filter(token_hash=ApiToken.hash(token), revoked_at__isnull=True).first()
    )
    if row is None or not row.user.is_active:
        return None
    now = timezone.now()
    if row.last_used_at is None or now - row.last_used_at > TOKEN_USE_RESOLUTION:
        # a write per call would cost a durable commit on every API read; a minute's resolution is enough
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.user


def find_user(username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise NotFound(f"用户“{username}”不存在")
    return user
