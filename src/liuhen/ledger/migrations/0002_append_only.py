"""Rule R8: the database itself refuses UPDATE, DELETE (and TRUNCATE) on the ledger."""

from django.db import migrations

from liuhen.ledger.triggers import protect


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [protect("ledger_event", "ledger_checkpoint")]
