"""The case's unit and registration time repeated on each 承办人员 row, filled from the cases, and the index of a
person's own cases in list order (replacing the index by user and case)."""

import django.db.models.deletion
from django.db import migrations, models

FILL = {
    "postgresql": (
        "UPDATE cases_caseofficer o SET case_unit_id = c.unit_id, case_created_at = c.created_at "
        "FROM cases_case c WHERE c.id = o.case_id"
    ),
    "default": (
        "UPDATE cases_caseofficer SET "
        "case_unit_id = (SELECT c.unit_id FROM cases_case c WHERE c.id = cases_caseofficer.case_id), "
        "case_created_at = (SELECT c.created_at FROM cases_case c WHERE c.id = cases_caseofficer.case_id)"
    ),
}


def fill(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    schema_editor.execute(FILL.get(vendor, FILL["default"]))
    if vendor == "postgresql":  # check the new foreign keys now, so the columns can be altered in this transaction
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_ledger_rebuild_salts"),
        ("cases", "0010_list_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="caseofficer",
            name="case_unit",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accounts.unit",
                verbose_name="案件的承办单位",
            ),
        ),
        migrations.AddField(
            model_name="caseofficer",
            name="case_created_at",
            field=models.DateTimeField(null=True, verbose_name="案件的登记时间"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="caseofficer",
            name="case_unit",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accounts.unit",
                verbose_name="案件的承办单位",
            ),
        ),
        migrations.AlterField(
            model_name="caseofficer",
            name="case_created_at",
            field=models.DateTimeField(verbose_name="案件的登记时间"),
        ),
        migrations.RemoveIndex(model_name="caseofficer", name="case_officer_user"),
        migrations.AddIndex(
            model_name="caseofficer",
            index=models.Index(
                fields=["user", "-case_created_at", "-case", "case_unit"], name="case_officer_user_created"
            ),
        ),
    ]
