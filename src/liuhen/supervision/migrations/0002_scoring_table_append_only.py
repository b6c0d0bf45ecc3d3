"""Rule R8: a published scoring table is a record; a revision is a new version, never an edit."""

from django.db import migrations

from liuhen.ledger.triggers import protect


class Migration(migrations.Migration):
    dependencies = [("supervision", "0001_initial")]
    operations = [protect("supervision_scoringtable")]
