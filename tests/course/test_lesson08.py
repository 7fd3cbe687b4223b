"""Notebook 08's checkers, graded with the kit's port of ingress-nginx's annotation parser
(internal/ingress/annotations/cors/main.go: invalid values fall back to defaults)."""

from corslab.course import lesson08

P = "nginx.ingress.kubernetes.io/"
RIGHT = {P + "enable-cors": "true",
         P + "cors-allow-origin": "https://app.example.com, https://admin.example.com",
         P + "cors-allow-methods": "GET, POST, PUT",
         P + "cors-allow-headers": "Content-Type, Authorization",
         P + "cors-allow-credentials": "false",
         P + "cors-max-age": "600"}


def test_annotations_for_the_policy_pass():
    assert lesson08.check_annotations(RIGHT).ok


def test_credentials_left_out_fall_back_to_true_and_fail():
    answer = {k: v for k, v in RIGHT.items() if not k.endswith("credentials")}
    fb = lesson08.check_annotations(answer)
    assert not fb.ok and any("defaults to true" in m for m in fb.wrong)


def test_no_is_not_a_go_boolean():
    assert not lesson08.check_annotations(dict(RIGHT, **{P + "cors-allow-credentials": "no"})).ok


def test_origin_without_scheme_is_dropped():
    assert not lesson08.check_annotations(dict(RIGHT, **{P + "cors-allow-origin": "app.example.com"})).ok


def test_unanswered_annotations():
    assert lesson08.check_annotations(...).pending


def test_quirks_right_wrong_unanswered():
    right = {"A": False, "B": True, "C": True, "D": False, "E": True, "F": False}
    assert lesson08.check_ingress_quirks(right).ok
    assert not lesson08.check_ingress_quirks(dict(right, A=True)).ok
    assert lesson08.check_ingress_quirks(dict(right, F=...)).pending


def test_rendered_server_shows_the_v1_location_with_its_cors_block_in_full():
    """ingress-nginx's nginx.tmpl `{{ define "CORS" }}` block, as the emulator renders it from
    infra/k8s/ingress.yaml: the origin regex, the reflected origin and the 204 for preflights."""
    from corslab.stack import topology
    from corslab.course import lesson08

    text = lesson08.rendered_server("infra/k8s/ingress.yaml")
    assert "location /v1/ {" in text and "return 204;" in text
    assert f"({topology.APP_ORIGIN})" in text and "Access-Control-Allow-Origin: $http_origin" in text
    assert text.rstrip().endswith("}") and "with the same CORS block" in text
