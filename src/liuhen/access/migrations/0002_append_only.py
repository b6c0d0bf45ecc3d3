"""Rule R8: marks and copy decisions are records."""

from django.db import migrations

from liuhen.ledger.triggers import protect


class Migration(migrations.Migration):
    dependencies = [("access", "0001_initial")]
    operations = [protect("access_confidentialitymark", "access_copydecision")]
