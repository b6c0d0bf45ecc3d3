"""Rule R8: a finalised document and every signature are records; drafts may still be edited."""

from django.db import migrations

from liuhen.ledger.triggers import protect, protect_final


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial")]
    operations = [protect("documents_signature"), protect_final("documents_document", "status", "final")]
