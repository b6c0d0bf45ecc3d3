"""Every domain row is a projection of the ledger (rules R8, SU2).

Each model declares, in a ``LEDGER`` class attribute, how ``liuhen verify`` defends its rows:

- ``projected(actions…)``: the event kinds that create or change its rows. Such an event carries the row's
  image (``body["rows"]``): every column, personal columns as a keyed commitment
  HMAC-SHA256(key = the row's random ``ledger_salt``, value), long texts as their SHA-256. Verify replays the
  images in log order and compares every column of every row with the table. ``exempt`` names the columns no
  event carries, each with the reason. ``copies`` names columns that repeat a column of the row another column
  points to (kept beside it so one index answers a query): verify expects the value the ledger gives that other
  row, whether or not the event carried the copy.
- ``derived(reason)``: a table rebuilt from others or holding working state (caches, counters, queues), or a
  framework table; verify does not rebuild it, and the reason says why that is safe.

``append_only`` marks the tables whose database triggers refuse UPDATE and DELETE (``final_only``: only
rows in a final state); the trigger list of ``liuhen verify`` comes from these declarations.
A model without a declaration is reported by verify and fails the test suite: a new table cannot escape.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from liuhen.ledger.envelope import format_at

SALT = "ledger_salt"  # the column holding a row's commitment key (hex); never carried in an event
BACKFILL = "ledger.backfilled"  # the event that records what events of older versions did not carry
COMMITMENT = "hmac-sha256:"
DIGEST = "sha256:"


@dataclass(frozen=True)
class Projected:
    actions: frozenset[str]
    personal: tuple[str, ...] = ()
    digest: tuple[str, ...] = ()
    exempt: Mapping[str, str] = field(default_factory=dict)
    append_only: bool = False
    final_only: tuple[str, str] | None = None
    copies: Mapping[str, tuple[str, str, str]] = field(default_factory=dict)  # column: (fk column, table, column)


@dataclass(frozen=True)
class Derived:
    reason: str
    append_only: bool = False


Policy = Projected | Derived


def projected(
    *actions: str,
    personal: Iterable[str] = (),
    digest: Iterable[str] = (),
    exempt: Mapping[str, str] | None = None,
    append_only: bool = False,
    final_only: tuple[str, str] | None = None,
    copies: Mapping[str, tuple[str, str, str]] | None = None,
) -> Projected:
    return Projected(
        actions=frozenset(actions),
        personal=tuple(personal),
        digest=tuple(digest),
        exempt=dict(exempt or {}),
        append_only=append_only,
        final_only=final_only,
        copies=dict(copies or {}),
    )


def derived(reason: str, *, append_only: bool = False) -> Derived:
    return Derived(reason, append_only)


_NOT_ADMINISTERED = "未使用：权限来自用户的角色（liuhen.core.permissions），本表应始终为空，出现任何行即报告"

# Tables of Django and of libraries, which cannot carry a declaration themselves.
EXTERNAL: dict[str, Policy] = {
    "admin.LogEntry": derived("Django 管理后台自己的操作历史；每次后台保存都另有账本事件"),
    "auth.Permission": derived("Django 在迁移时由模型生成"),
    "contenttypes.ContentType": derived("Django 在迁移时由模型生成"),
    "sessions.Session": derived("登录会话（工作状态），8 小时或关闭浏览器后失效"),
    "axes.AccessAttempt": derived("登录失败计数（锁定用的工作状态）"),
    "axes.AccessAttemptExpiration": derived("登录失败计数的到期时间（工作状态）"),
    "axes.AccessFailureLog": derived("登录失败日志（安全日志，不属执法记录）"),
    "axes.AccessLog": derived("登录日志（安全日志，不属执法记录）"),
    # Django's groups and per-user permissions: nothing in liuhen writes them, so any row is reported.
    "auth.Group": projected(),
    "auth.Group_permissions": projected(),
    "accounts.User_groups": projected(),
    "accounts.User_user_permissions": projected(),
}
EXTERNAL_REASONS = {
    "auth.Group": _NOT_ADMINISTERED,
    "auth.Group_permissions": _NOT_ADMINISTERED,
    "accounts.User_groups": _NOT_ADMINISTERED,
    "accounts.User_user_permissions": _NOT_ADMINISTERED,
}


def policy_of(model: Any) -> Policy | None:
    own = model.__dict__.get("LEDGER")
    if isinstance(own, (Projected, Derived)):
        return own
    return EXTERNAL.get(model._meta.label)


def new_salt() -> str:
    """A row's commitment key: 128 random bits, hex."""
    return secrets.token_hex(16)


def commit(salt: str, value: str) -> str:
    """The keyed commitment to a personal value: a leaked event reveals nothing guessable without the salt."""
    try:
        key = bytes.fromhex(salt)
    except ValueError:
        key = salt.encode()  # a tampered salt still yields a (wrong) commitment, reported as a mismatch
    return COMMITMENT + hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def _plain_encoder(f: Any) -> Callable[[Any], Any]:
    if f.is_relation:
        f = f.target_field
    kind = f.get_internal_type()
    if kind == "DateTimeField":
        return lambda v: format_at(v) if isinstance(v, datetime) else str(v)
    if kind == "DateField":
        return lambda v: v.isoformat() if isinstance(v, date) else str(v)
    if kind == "DecimalField":
        quantum = Decimal(1).scaleb(-f.decimal_places)
        return lambda v: str(Decimal(str(v)).quantize(quantum))
    if kind == "BooleanField":
        return bool
    if kind.endswith(("IntegerField", "AutoField")):
        return int
    if kind == "BinaryField":
        return lambda v: bytes(v).hex()
    return str


@dataclass(frozen=True)
class Column:
    attname: str
    label: str
    kind: str  # plain | personal | digest
    encode: Callable[[Any], Any]

    def value(self, raw: Any, salt: str) -> Any:
        if raw is None:
            return None
        if self.kind == "personal":
            return commit(salt, str(raw))
        if self.kind == "digest":
            return DIGEST + hashlib.sha256(str(raw).encode()).hexdigest()
        return self.encode(raw)


@dataclass(frozen=True)
class Table:
    model: Any
    name: str
    policy: Projected
    pk: str
    columns: tuple[Column, ...]
    salted: bool
    problems: tuple[str, ...]

    @property
    def read(self) -> list[str]:
        """The attnames to read per row: primary key, the columns, and the salt when there is one."""
        return [self.pk, *(c.attname for c in self.columns), *([SALT] if self.salted else [])]

    def image(self, values: tuple[Any, ...]) -> tuple[str, dict[str, Any]]:
        """(row id, image) from a tuple read in ``read`` order."""
        salt = str(values[-1]) if self.salted else ""
        cols = {c.attname: c.value(v, salt) for c, v in zip(self.columns, values[1:], strict=False)}
        return str(values[0]), cols


def all_models() -> list[Any]:
    from django.apps import apps

    return list(apps.get_models(include_auto_created=True))


@cache
def table_of(model: Any) -> Table | None:
    """The projection spec of a projected model, or None for a derived or undeclared one."""
    pol = policy_of(model)
    if not isinstance(pol, Projected):
        return None
    fields = {f.attname: f for f in model._meta.concrete_fields}
    problems = [f"声明的列 {name} 不存在" for name in (*pol.personal, *pol.digest, *pol.exempt) if name not in fields]
    for name, reason in pol.exempt.items():
        if not reason.strip():
            problems.append(f"列 {name} 不由事件记载，须说明理由")
    for name, (fk, _, _) in pol.copies.items():
        if name not in fields or fk not in fields or name in (*pol.personal, *pol.digest, *pol.exempt):
            problems.append(f"复制列 {name}（取自 {fk} 所指的行）声明有误")
    salted = bool(pol.personal)
    if salted != (SALT in fields):
        problems.append(f"有个人信息列的表须有 {SALT} 列（且只有这样的表有）")
    pk = model._meta.pk.attname
    columns = tuple(
        Column(
            name,
            str(f.verbose_name),
            "personal" if name in pol.personal else "digest" if name in pol.digest else "plain",
            _plain_encoder(f),
        )
        for name, f in fields.items()
        if name not in pol.exempt and name not in {pk, SALT}
    )
    return Table(model, model._meta.db_table, pol, pk, columns, salted, tuple(problems))


def projected_tables() -> list[Table]:
    return [t for m in all_models() if (t := table_of(m)) is not None]


def undeclared(models: Iterable[Any] | None = None) -> list[str]:
    """Tables that declare neither how they are rebuilt from the ledger nor that they are derived."""
    return sorted(m._meta.db_table for m in (all_models() if models is None else models) if policy_of(m) is None)


def append_only_tables() -> list[tuple[str, tuple[str, str] | None]]:
    """(table, final-only condition) for every table whose declaration says the database refuses changes."""
    out: list[tuple[str, tuple[str, str] | None]] = []
    for m in all_models():
        pol = policy_of(m)
        if isinstance(pol, Derived) and pol.append_only:
            out.append((m._meta.db_table, None))
        elif isinstance(pol, Projected) and (pol.append_only or pol.final_only):
            out.append((m._meta.db_table, pol.final_only))
    return sorted(out)


_COMPILED: dict[tuple[Any, int, str], tuple[str, list[tuple[int, list[Any], Any]]]] = {}
_COMPILE_UP_TO = 64  # rows of one table in one event; beyond, the ORM compiles the query each time


def _read_back(spec: Table, pks: list[Any], conn: Any) -> list[tuple[Any, ...]]:
    """The rows as the database holds them, in ``spec.read`` order: with Django's own value converters, but
    the SQL compiled once per table and row count (this runs in every command; the ORM's compilation cost
    three times the append itself)."""
    key = (spec.model, len(pks), conn.vendor)
    hit = _COMPILED.get(key)
    if hit is None:
        qs = spec.model._default_manager.filter(pk__in=pks).values_list(*spec.read)
        if len(pks) > _COMPILE_UP_TO:
            return list(qs.using(conn.alias))
        compiler = qs.query.get_compiler(connection=conn)
        sql, params = compiler.as_sql()
        if len(params) != len(pks):
            return list(qs.using(conn.alias))
        converters = compiler.get_converters([col for col, _, _ in compiler.select])
        hit = _COMPILED[key] = (sql, [(pos, convs, expr) for pos, (convs, expr) in converters.items()])
    sql, converters = hit
    with conn.cursor() as cur:
        cur.execute(sql, pks)
        rows = cur.fetchall()
    if not converters:
        return [tuple(r) for r in rows]
    out = []
    for r in rows:
        row = list(r)
        for pos, convs, expr in converters:
            for convert in convs:
                row[pos] = convert(row[pos], expr, conn)
        out.append(tuple(row))
    return out


def images(action: str, rows: Iterable[Any]) -> list[dict[str, Any]]:
    """The row images an event carries: each row read back from the database (what verify will compare)."""
    from django.db import connection

    by_model: dict[Any, list[Any]] = {}
    for obj in rows:
        pks = by_model.setdefault(type(obj), [])
        if obj.pk not in pks:
            pks.append(obj.pk)
    out = []
    for model, pks in by_model.items():
        spec = table_of(model)
        if spec is None:
            raise RuntimeError(f"{model._meta.label} declares no projection; its rows travel in no event")
        if action not in spec.policy.actions and action != BACKFILL:
            raise RuntimeError(f"{model._meta.label} does not declare {action} among the events that change it")
        for row in _read_back(spec, pks, connection):
            rid, cols = spec.image(row)
            out.append({"table": spec.name, "id": rid, "columns": cols})
    return sorted(out, key=lambda r: (r["table"], r["id"]))
