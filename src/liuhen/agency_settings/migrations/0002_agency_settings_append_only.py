"""Rule R8: a setting's history is a record; rows are never updated or deleted (a change is a new row)."""

from django.db import migrations

from liuhen.ledger.triggers import protect


class Migration(migrations.Migration):
    dependencies = [("agency_settings", "0001_agency_settings")]
    operations = [protect("agency_settings_agencysetting")]
