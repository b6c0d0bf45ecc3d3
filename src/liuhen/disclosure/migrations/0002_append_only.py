"""Rule R8: the public log's leaves and checkpoints are never changed or removed."""

from django.db import migrations

from liuhen.ledger.triggers import protect


class Migration(migrations.Migration):
    dependencies = [("disclosure", "0001_initial")]
    operations = [protect("disclosure_logleaf", "disclosure_logcheckpoint")]
