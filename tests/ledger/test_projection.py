"""The registry of projections: every table declares how verify rebuilds it, or why it need not, and the
append-only triggers come from the same declarations (rule R8)."""

from __future__ import annotations

import pytest
from django.db import connection, models
from django.test.utils import isolate_apps

from liuhen.ledger import projection, triggers
from liuhen.ledger.verify import verify

pytestmark = pytest.mark.django_db


def test_every_table_declares_how_it_is_rebuilt() -> None:
    """rule R8: no table escapes verify: each is projected from events, or declared derived with its reason."""
    assert projection.undeclared() == []
    for model in projection.all_models():
        pol = projection.policy_of(model)
        if isinstance(pol, projection.Derived):
            assert pol.reason.strip(), model
    assert [(t.name, t.problems) for t in projection.projected_tables() if t.problems] == []


@isolate_apps("liuhen.cases")
def test_a_new_table_or_column_cannot_escape_unnoticed() -> None:
    """rule R8: a model without a declaration is reported; a new column of a projected model travels in its
    events' images unless declared exempt with a reason; a personal column needs the row's salt."""

    class Seizure(models.Model):  # a new table someone forgot to declare
        note = models.TextField()

        class Meta:
            app_label = "cases"

        def __str__(self) -> str:
            return str(self.pk)

    class Sample(models.Model):
        LEDGER = projection.projected("sample.taken", exempt={"weight": ""})
        weight = models.IntegerField()
        place = models.CharField(max_length=20)

        class Meta:
            app_label = "cases"

        def __str__(self) -> str:
            return str(self.pk)

    class Witness(models.Model):
        LEDGER = projection.projected("witness.heard", personal=("name",))
        name = models.CharField(max_length=20)

        class Meta:
            app_label = "cases"

        def __str__(self) -> str:
            return str(self.pk)

    assert projection.undeclared([Seizure, Sample, Witness]) == ["cases_seizure"]
    sample = projection.table_of(Sample)
    assert sample is not None and [c.attname for c in sample.columns] == ["place"]
    assert sample.problems == ("列 weight 不由事件记载，须说明理由",)
    witness = projection.table_of(Witness)
    assert witness is not None and witness.problems == ("有个人信息列的表须有 ledger_salt 列（且只有这样的表有）",)


def test_the_migrations_protect_exactly_the_declared_tables(vendor: str) -> None:
    """rule R8: the trigger list comes from the models; the migrations install the triggers on exactly those."""
    declared = set(triggers.append_only_tables())
    with connection.cursor() as cur:
        if vendor == "sqlite":
            cur.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cur.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        names = {row[0] for row in cur.fetchall()}
    installed = {n.removesuffix("_no_update") for n in names if n.endswith("_no_update")}
    assert installed == declared
    assert "media_interruptionnote" in declared


@pytest.mark.parametrize("table", triggers.append_only_tables())
def test_each_dropped_trigger_is_reported(table: str) -> None:
    """rule R8: drop one table's append-only triggers and verify names exactly those."""
    assert verify() == []
    with connection.cursor() as cur:
        for sql in triggers.drop_statements(connection.vendor, table):
            cur.execute(sql)
    assert [str(f) for f in verify()] == [
        f"数据库触发器 {table}_no_delete: 防删改触发器缺失（表可被修改或删除）",
        f"数据库触发器 {table}_no_update: 防删改触发器缺失（表可被修改或删除）",
    ]


def test_an_image_only_travels_in_a_declared_event(cast) -> None:  # type: ignore[no-untyped-def]
    """A command that changed a row must append an event the row's table declares (rule R8)."""
    from django.db import transaction

    from liuhen.ledger import services as ledger

    with pytest.raises(RuntimeError, match=r"does not declare case\.bogus"), transaction.atomic():
        ledger.append(actor=None, action="case.bogus", subject_type="user", subject_id=1, body={}, rows=[cast.handler])


def test_a_changed_password_is_an_event(cast, settings) -> None:  # type: ignore[no-untyped-def]
    """A password changed through Django (the admin's password form saves this way) or rehashed at sign-in is
    a ledger event carrying the hash's commitment, so verify still proves the column (rule R8)."""
    from liuhen.accounts.models import User
    from liuhen.ledger.models import Event

    user = User.objects.get(pk=cast.handler.pk)
    user.set_password("another-password-2026")
    user.save()
    assert Event.objects.filter(action="user.password_changed", subject_id=str(user.pk)).count() == 1
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    user = User.objects.get(pk=user.pk)
    assert user.check_password("another-password-2026")  # an MD5 hash is upgraded to the preferred hasher
    assert user.password.startswith("pbkdf2_sha256$")
    assert Event.objects.filter(action="user.password_changed", subject_id=str(user.pk)).count() == 2
    assert verify() == []
