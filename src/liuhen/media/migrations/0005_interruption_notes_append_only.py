"""Rule R8: an interruption note (AV7) is a record."""

from django.db import migrations

from liuhen.ledger.triggers import protect


class Migration(migrations.Migration):
    dependencies = [("media", "0004_segments_interruptions_evidence")]
    operations = [protect("media_interruptionnote")]
