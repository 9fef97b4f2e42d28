"""
Connection safety: what an admin-supplied data source may connect to, and how.

A data source's host is chosen by an admin, which makes it a server-side
request forgery vector. Every field is validated on its own (no Unix-socket
paths, no multi-host lists, nothing that smuggles libpq options), the host is
resolved and refused when it lands on loopback, private, link-local or cloud
metadata addresses or on fauxsite's own database servers, unless
``FAUXSITE_DATASOURCE_ALLOWED_HOSTS`` names it. The connection then goes to
the address that was checked (libpq ``hostaddr``), so a second DNS answer
cannot redirect it, and every libpq parameter an environment variable (or a
``PGSERVICE`` entry) could fill is given explicitly.
"""

from __future__ import annotations

import ipaddress
import os
import re
import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from psycopg import pq

if TYPE_CHECKING:
    from datasources.models import DataSource

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
HOSTNAME = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*\.?$")
# Database and role names: PostgreSQL's unquoted identifiers plus '-' and '.',
# which covers real-world names while leaving no room for "key=value" tricks
# or a connection URI in the dbname.
DATABASE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.$-]{0,62}$")
CLOUD_METADATA = frozenset(
    ipaddress.ip_address(address)
    for address in ("169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200")
)
# Server settings an admin may add in ``options`` ("-c name=value ..."); the
# statement timeout and anything touching roles or files stay fauxsite's.
ALLOWED_SERVER_SETTINGS = frozenset(
    {"search_path", "lock_timeout", "idle_in_transaction_session_timeout", "work_mem",
     "timezone", "datestyle", "intervalstyle", "application_name", "jit"}
)
SETTING_VALUE = re.compile(r"^[A-Za-z0-9_.,$:/+-]{1,200}$")
# libpq reads a password file when the password is empty; pointing it at a
# path that cannot exist (a file under /dev/null) turns that off silently.
NO_PASSFILE = os.path.join(os.devnull, "fauxsite-no-passfile")
# Where an environment variable would fill a parameter left unset, an empty
# value means the same as libpq's own default for these.
BLANK_MEANS_DEFAULT = frozenset(
    {"sslcert", "sslkey", "sslrootcert", "sslcrl", "sslcrldir", "requirepeer", "ssl_max_protocol_version"}
)


class UnsafeDataSource(ValueError):
    """A connection fauxsite refuses to make; ``field`` names the culprit if one does."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class ResolvedHost:
    host: str
    address: str


# Field checks ----------------------------------------------------------------


def field_errors(source: DataSource) -> dict[str, str]:
    """Every problem with the connection fields, by field name (nothing resolved)."""
    checks = {
        "host": check_host_syntax,
        "port": check_port,
        "database": check_name,
        "user": check_name,
        "sslmode": check_sslmode,
        "options": server_settings,
    }
    errors = {}
    for name, check in checks.items():
        try:
            check(getattr(source, name))
        except UnsafeDataSource as error:
            errors[name] = str(error)
    return errors


def check_host_syntax(host: str) -> None:
    if not host:
        raise UnsafeDataSource("Enter a host name or IP address.", "host")
    if host.startswith("/") or host.startswith("@") or "/" in host:
        raise UnsafeDataSource("Unix-socket paths are not allowed; use a host name or IP address.", "host")
    if "," in host:
        raise UnsafeDataSource("Give exactly one host; lists of hosts are not allowed.", "host")
    if _as_ip(host) is None and not HOSTNAME.match(host):
        raise UnsafeDataSource("Not a valid host name or IP address.", "host")


def check_port(port) -> None:
    if not isinstance(port, int) or not 1 <= port <= 65535:
        raise UnsafeDataSource("Use a port between 1 and 65535.", "port")


def check_name(name: str) -> None:
    if not DATABASE_NAME.match(name or ""):
        raise UnsafeDataSource(
            "Use 1 to 63 letters, digits, '_', '.', '-' or '$' (not starting with '.', '-' or '$').",
        )


def check_sslmode(sslmode: str) -> None:
    if sslmode not in SSL_MODES:
        raise UnsafeDataSource(f"Use one of: {', '.join(SSL_MODES)}.", "sslmode")


def server_settings(options: str) -> list[tuple[str, str]]:
    """Parse ``-c name=value`` pairs, refusing any setting not on the allowed list."""
    words = (options or "").split()
    pairs = []
    while words:
        word = words.pop(0)
        if word == "-c" and words:
            word = words.pop(0)
        elif word.startswith("-c"):
            word = word[2:]
        else:
            raise UnsafeDataSource(
                "Write server settings as '-c name=value', separated by spaces.", "options"
            )
        name, equals, value = word.partition("=")
        if not equals or name.lower() not in ALLOWED_SERVER_SETTINGS:
            allowed = ", ".join(sorted(ALLOWED_SERVER_SETTINGS))
            raise UnsafeDataSource(f"Only these server settings may be set: {allowed}.", "options")
        if not SETTING_VALUE.match(value):
            raise UnsafeDataSource(f"The value of {name} has characters that are not allowed.", "options")
        pairs.append((name.lower(), value))
    return pairs


# Address checks --------------------------------------------------------------


def resolve(source: DataSource) -> ResolvedHost:
    """The address to connect to, after refusing every address fauxsite must not reach."""
    check_host_syntax(source.host)
    check_port(source.port)
    addresses = _addresses(source.host, source.port)
    if _host_named_in_allowlist(source.host):
        return ResolvedHost(source.host, str(addresses[0]))
    for address in addresses:
        _refuse_forbidden(source.host, address)
    return ResolvedHost(source.host, str(addresses[0]))


def _addresses(host: str, port: int) -> list[IPAddress]:
    literal = _as_ip(host)
    if literal is not None:
        return [literal]
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise UnsafeDataSource(f"The host {host!r} does not resolve; check its spelling.", "host") from None
    # A scoped IPv6 answer ("fe80::1%eth0") carries its interface after '%'.
    addresses = (ipaddress.ip_address(answer[4][0].split("%")[0]) for answer in answers)
    found = list(dict.fromkeys(_normalized(address) for address in addresses))
    if not found:
        raise UnsafeDataSource(f"The host {host!r} has no address.", "host")
    return found


def _refuse_forbidden(host: str, address: IPAddress) -> None:
    if address in CLOUD_METADATA:
        if _address_named_exactly(address):
            return
        raise UnsafeDataSource(f"{host} is a cloud metadata address; it cannot be a data source.", "host")
    if _in_allowed_networks(address):
        return
    if address in own_database_addresses():
        raise UnsafeDataSource(
            f"{host} is fauxsite's own database server; name it in FAUXSITE_DATASOURCE_ALLOWED_HOSTS "
            "if a data source really lives there.",
            "host",
        )
    if not address.is_global or address.is_multicast:
        raise UnsafeDataSource(
            f"{host} resolves to a loopback, private, link-local or reserved address ({address}); "
            "name it in FAUXSITE_DATASOURCE_ALLOWED_HOSTS to allow it.",
            "host",
        )


def _allowlist() -> tuple[set[str], list[IPNetwork]]:
    names, networks = set(), []
    for entry in settings.FAUXSITE_DATASOURCE_ALLOWED_HOSTS:
        try:
            networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
        except ValueError:
            names.add(entry.lower().rstrip("."))
    return names, networks


def _host_named_in_allowlist(host: str) -> bool:
    names, _networks = _allowlist()
    return host.lower().rstrip(".") in names


def _in_allowed_networks(address: IPAddress) -> bool:
    _names, networks = _allowlist()
    return any(address.version == network.version and address in network for network in networks)


def _address_named_exactly(address: IPAddress) -> bool:
    _names, networks = _allowlist()
    return any(network.num_addresses == 1 and address in network for network in networks)


def own_database_addresses() -> set[IPAddress]:
    """Addresses of the servers holding fauxsite's own databases."""
    found = set()
    for alias in ("default", settings.FIXTURES_ALIAS):
        host = settings.DATABASES.get(alias, {}).get("HOST") or ""
        if not host or host.startswith("/"):
            continue
        try:
            found.update(_addresses(host, int(settings.DATABASES[alias].get("PORT") or 5432)))
        except UnsafeDataSource:
            continue
    return found


def _as_ip(text: str) -> IPAddress | None:
    try:
        return _normalized(ipaddress.ip_address(text.strip("[]")))
    except ValueError:
        return None


def _normalized(address: IPAddress) -> IPAddress:
    # ::ffff:127.0.0.1 is 127.0.0.1 as far as the network is concerned.
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


# Connection parameters -------------------------------------------------------


def connection_parameters(
    source: DataSource,
    password: str,
    *,
    resolve_host: bool = True,
    statement_timeout_ms: int | None = None,
    connect_timeout: int | None = None,
) -> dict[str, str]:
    """Every libpq parameter for ``source``, explicit so no ``PG*`` variable fills one in.

    Pass them to ``psycopg.connect(**params)`` or ``make_conninfo("", **params)``:
    values are quoted by psycopg, never concatenated here. Without
    ``resolve_host``, ``hostaddr`` is left empty for ``pin_address`` to fill
    at each connection (pooled connections outlive DNS answers).
    """
    errors = field_errors(source)
    if errors:
        field, message = next(iter(errors.items()))
        raise UnsafeDataSource(f"{field}: {message}", field)
    address = resolve(source).address if resolve_host else ""
    statement_timeout_ms = statement_timeout_ms or settings.FAUXSITE_LIVE_STATEMENT_TIMEOUT_MS
    server = [("statement_timeout", str(statement_timeout_ms)), *server_settings(source.options)]
    if source.read_only:
        # The database itself refuses writes too, whatever reaches it.
        server.append(("default_transaction_read_only", "on"))
    params = {
        "host": source.host,
        # Empty still counts as given: PGHOSTADDR cannot fill it in.
        "hostaddr": address,
        "port": str(source.port),
        "dbname": source.database,
        "user": source.user,
        "password": password,
        "passfile": NO_PASSFILE,
        "sslmode": source.sslmode,
        "connect_timeout": str(connect_timeout or settings.FAUXSITE_LIVE_CONNECT_TIMEOUT),
        "options": " ".join(f"-c {name}={value}" for name, value in server),
        "application_name": "fauxsite",
        "client_encoding": "UTF8",
        "target_session_attrs": "any",
        "gssencmode": "disable",
    }
    params.update(environment_overrides(params))
    return params


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int


def pin_address(params: dict) -> dict:
    """``params`` with ``hostaddr`` set to a freshly resolved and checked address."""
    endpoint = Endpoint(params["host"], int(params["port"]))
    return {**params, "hostaddr": resolve(endpoint).address}


def environment_overrides(params: dict[str, str]) -> dict[str, str]:
    """Explicit values for the parameters a set ``PG*`` variable would otherwise fill.

    Raises when a variable is set whose parameter has no neutral value, such
    as ``PGSERVICE``: a service entry could add parameters behind our back.
    """
    overrides = {}
    for option in pq.Conninfo.get_defaults():
        keyword = option.keyword.decode()
        if keyword in params or option.envvar is None:
            continue
        variable = option.envvar.decode()
        if variable not in os.environ:
            continue
        if option.compiled is not None:
            overrides[keyword] = option.compiled.decode()
        elif keyword in BLANK_MEANS_DEFAULT:
            overrides[keyword] = ""
        else:
            raise UnsafeDataSource(
                f"The server's environment sets {variable}, which libpq would apply to data-source "
                f"connections; unset it for the fauxsite processes."
            )
    return overrides
