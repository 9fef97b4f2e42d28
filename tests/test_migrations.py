"""The migrations describe the models exactly, so a deploy's `migrate` builds what tests use."""

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_it_has_no_model_change_without_a_migration():
    call_command("makemigrations", check=True, dry_run=True, verbosity=0)
