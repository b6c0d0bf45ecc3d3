"""Rule R8 / T5: an imported holiday schedule is a record; a correction is a newer import."""

from django.db import migrations

from liuhen.ledger.triggers import protect


class Migration(migrations.Migration):
    dependencies = [("deadlines", "0001_initial")]
    operations = [protect("deadlines_calendarimport", "deadlines_calendarday")]
