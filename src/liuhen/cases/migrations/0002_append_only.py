"""Rule R8: parties, recorded acts and approval opinions are records; never updated or deleted."""

from django.db import migrations

from liuhen.ledger.triggers import protect


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [protect("cases_party", "cases_caseact", "cases_approvalstep")]
