"""Rule R8: stored blobs, the device log and recordings' originals are records, never changed or deleted."""

from django.db import migrations

from liuhen.ledger.triggers import protect


class Migration(migrations.Migration):
    dependencies = [("media", "0001_initial")]
    operations = [protect("media_blob", "media_devicelog")]
