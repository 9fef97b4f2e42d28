"""OWASP API7:2023 Server Side Request Forgery: a data source cannot point fauxsite at internal hosts."""

import pytest

from access import roles
from datasources.hosts import UnsafeDataSource, resolve
from datasources.models import DataSource
from tests import owasp_support
from tests.conftest import ALL_DATABASES
from tests.owasp_support import staff_in

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)

world = owasp_support.world

INTERNAL = ["127.0.0.1", "10.0.0.5", "192.168.1.1", "169.254.169.254", "[::1]", "/var/run/postgresql",
            "db1,db2", "0.0.0.0"]


@pytest.mark.parametrize("host", INTERNAL)
def test_it_refuses_internal_hosts_in_production(settings, host):
    settings.FAUXSITE_DATASOURCE_ALLOWED_HOSTS = []

    with pytest.raises(UnsafeDataSource):
        resolve(DataSource(name="probe", host=host.strip("[]"), port=5432, database="x", user="x"))


def test_it_lets_only_operators_register_a_data_source(world):
    page = "/admin/datasources/datasource/add/"

    assert staff_in(roles.OPERATORS).get(page).status_code == 200
    for role in (roles.SCHEMA_EDITORS, roles.ACCESS_ADMINS, roles.AUDITORS):
        assert staff_in(role).get(page).status_code == 403
