"""Origins: parsing, serialisation, same-origin and same-site, and the errors for bad input."""

from __future__ import annotations

import pytest

from corslab.errors import CorsLabError
from corslab.fetch.origins import OPAQUE, origin_of, parse_origin, same_origin, same_site
from corslab.stack.topology import ADMIN_ORIGIN, APP_ORIGIN, UNTRUSTED_ORIGIN, service

API = service("api").origin


@pytest.mark.parametrize("typed, serialised", [
    ("http://localhost:3000", "http://localhost:3000"),
    ("HTTP://LocalHost:3000", "http://localhost:3000"),
    ("http://localhost:80", "http://localhost"),
    ("https://example.com:443", "https://example.com"),
    ("https://example.com:80", "https://example.com:80"),
    ("http://localhost:3000/", "http://localhost:3000"),
    ("http://[::1]:8080", "http://[::1]:8080"),
    ("null", "null"),
])
def test_origin_serialisation_lowercases_host_and_drops_default_port(typed, serialised):
    """HTML "ASCII serialization of an origin": scheme://host[:port], default port omitted."""
    assert parse_origin(typed).serialize() == serialised


def test_null_is_the_opaque_origin():
    """HTML: an opaque origin serialises as "null" and is same-origin with nothing else."""
    assert parse_origin("null") is OPAQUE
    assert not same_origin("null", "null")


@pytest.mark.parametrize("bad, part", [
    ("localhost:3000", "http://"),
    ("ftp://localhost", "http://"),
    ("http://", "no host"),
    ("http://localhost:3000/app", "path"),
    ("http://localhost:3000?x", "path, query"),
    ("http://localhost:99999", "malformed"),
    ("http://user:pw@localhost:3000", "user name"),
    ("", "empty"),
    (" http://localhost:3000", "white space"),
])
def test_malformed_origin_is_a_clear_error(bad, part):
    """Bad input raises CorsLabError whose one line names the problem and shows the form."""
    with pytest.raises(CorsLabError) as err:
        parse_origin(bad)
    assert part in str(err.value)
    assert "\n" not in str(err.value)


def test_same_origin_compares_scheme_host_and_port():
    """HTML "same origin": the (scheme, host, port) tuples are equal."""
    assert same_origin(APP_ORIGIN, APP_ORIGIN + "/")
    assert same_origin(origin_of("http://localhost/x"), "http://localhost:80")
    assert not same_origin(APP_ORIGIN, ADMIN_ORIGIN)  # another port
    assert not same_origin(APP_ORIGIN, APP_ORIGIN.replace("http:", "https:"))


def test_localhost_ports_are_same_site_and_127_0_0_1_is_another_site():
    """HTML "same site" (schemeful): localhost:3000 and localhost:8081 share a site; 127.0.0.1 is cross-site."""
    assert same_site(APP_ORIGIN, API)
    assert not same_site(UNTRUSTED_ORIGIN, API)
    assert not same_site("http://app.localhost", "http://api.localhost")
    assert same_site("https://app.example.com", "https://api.example.com")
    assert not same_site("http://app.example.com", "https://app.example.com")  # schemeful
