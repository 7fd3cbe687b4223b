"""corslab.fetch.lna without a browser: address spaces (WICG Local Network Access 2.1), what is
potentially trustworthy (Secure Contexts 3.2), and one clear line for bad input. The verdicts
themselves are checked in Chromium by tests/browser/test_https_mixed_lna.py."""

from __future__ import annotations

import pytest

from corslab.errors import CorsLabError
from corslab.fetch import lna


@pytest.mark.parametrize("address, space", [
    ("127.0.0.1", "loopback"), ("::1", "loopback"), ("[::1]", "loopback"), ("::ffff:127.0.0.1", "loopback"),
    ("192.168.1.10", "local"), ("10.0.0.1", "local"), ("172.16.0.1", "local"), ("169.254.1.1", "local"),
    ("fd00::1", "local"), ("100.64.0.1", "local"), ("8.8.8.8", "public"), ("2001:4860::8888", "public")])
def test_address_spaces(address, space):
    assert lna.address_space(address) == space


@pytest.mark.parametrize("url, trustworthy", [
    ("https://api.example.com/", True), ("http://localhost:8081/", True), ("http://api.localhost/", True),
    ("http://127.0.0.1:8081/", True), ("http://[::1]:8081/", True), ("http://api.lab.test:8081/", False),
    ("http://192.168.1.10/", False)])
def test_only_https_and_loopback_are_potentially_trustworthy(url, trustworthy):
    assert lna.potentially_trustworthy(url) is trustworthy


def test_an_https_page_calling_a_lan_device_over_http_is_mixed_content_unless_it_says_where_it_goes():
    page, device = "https://app.example.com/", "http://192.168.1.10/api"
    assert lna.decide(page, device, page_space="public", target_space="local").stage == "mixed-content"
    said = lna.decide(page, device, page_space="public", target_space="local", permission="granted",
                      target_address_space="local")
    assert (said.stage, bool(said.warning)) == ("", True)


def test_a_public_page_needs_the_permission_for_a_more_private_space_and_nothing_else_does():
    assert lna.decide("https://a.example/", "https://b.example/", page_space="public",
                      target_space="public").reaches_server
    denied = lna.decide("https://a.example/", "https://localhost/", page_space="public")
    assert denied.console == lna.permission_denied("loopback") and not denied.reaches_server


@pytest.mark.parametrize("kwargs, message", [
    ({"permission": "maybe"}, "permission='maybe'"), ({"page_space": "lan"}, "page_space='lan'"),
    ({"target_address_space": "public"}, "targetAddressSpace='public'")])
def test_bad_input_is_one_clear_line(kwargs, message):
    with pytest.raises(CorsLabError, match=message):
        lna.decide("https://a.example/", "https://localhost/", **kwargs)


def test_an_address_that_is_not_one_is_one_clear_line():
    with pytest.raises(CorsLabError, match="is not an IP address"):
        lna.address_space("printer.local")
