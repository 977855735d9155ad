"""Dynamic registration and the Canvas developer key, against the real Moodle 4.5 capture and
the Canvas-shaped fixtures (tests/fixtures/*/README.md lists the quirks handled here)."""
import copy

import pytest

from lti_tool.lti import registration as dr
from tests.support.registration_platform import load

MOODLE_URL = "http://127.0.0.1:8081/mod/lti/openid-configuration.php"
CANVAS_URL = "https://esu.instructure.com/api/lti/security/openid-configuration"
TOOL = dr.TOOL_CONFIG


def moodle_config():
    return copy.deepcopy(load("moodle-4.5/openid_configuration.json")["response"]["body"])


def canvas_config():
    return copy.deepcopy(load("canvas/openid_configuration.json"))


class FakeResponse:
    def __init__(self, status, body):
        self.status_code, self._body = status, body
        import json
        self.content = json.dumps(body).encode()
        self.text = self.content.decode()

    def json(self):
        return self._body


class FakeSession:
    def __init__(self, body, status=200):
        self.body, self.status, self.calls = body, status, []

    def get(self, url, **kw):
        self.calls.append(("GET", url, kw))
        return FakeResponse(self.status, self.body)

    def post(self, url, **kw):
        self.calls.append(("POST", url, kw))
        return FakeResponse(self.status, self.body)


def test_the_configuration_request_carries_the_registration_token():
    s = FakeSession(canvas_config())
    dr.fetch_configuration(CANVAS_URL, "the-token", session=s)
    method, url, kw = s.calls[0]
    assert (method, url) == ("GET", CANVAS_URL)
    assert kw["headers"]["Authorization"] == "Bearer the-token" and kw["headers"]["Accept"] == "application/json"


def test_moodle_configuration_is_accepted():
    c = dr.validate_configuration(MOODLE_URL, moodle_config())
    assert c.is_moodle and c.issuer == "http://127.0.0.1:8081"
    assert c.registration_endpoint.endswith("/mod/lti/openid-registration.php")
    assert c.unsupported_scopes() == []


def test_canvas_shared_issuer_is_accepted_from_the_schools_own_domain():
    # Canvas quirk 1: one issuer for every customer; the configuration comes from the school's domain.
    c = dr.validate_configuration(CANVAS_URL, canvas_config())
    assert c.is_canvas and c.issuer == "https://canvas.instructure.com"
    assert c.jwks_uri == "https://sso.canvaslms.com/api/lti/security/jwks"
    # a vanity domain too (the check is on Instructure's endpoints, not on the school's host)
    cfg = canvas_config()
    cfg["registration_endpoint"] = "https://canvas.example.edu/api/lti/registrations"
    assert dr.validate_configuration("https://canvas.example.edu/api/lti/security/openid-configuration", cfg).is_canvas


@pytest.mark.parametrize("mutate,says", [
    (lambda c: c.update(issuer="https://moodle.other.edu"), "does not match the site"),
    (lambda c: c.update(registration_endpoint="https://evil.example/register"), "registration endpoint"),
    (lambda c: c.pop("token_endpoint"), "no token endpoint"),
    (lambda c: c.update(jwks_uri="http://lms.example.edu/certs"), "plain http"),
])
def test_moodle_configuration_is_checked_against_its_url(mutate, says):
    cfg = moodle_config()
    url = "https://moodle.example.edu/mod/lti/openid-configuration.php"
    for k in ("token_endpoint", "jwks_uri", "authorization_endpoint", "registration_endpoint"):
        cfg[k] = cfg[k].replace("http://127.0.0.1:8081", "https://moodle.example.edu")
    cfg["issuer"] = "https://moodle.example.edu"
    dr.validate_configuration(url, copy.deepcopy(cfg))  # as captured (rehosted): fine
    mutate(cfg)
    with pytest.raises(dr.RegistrationError, match=says):
        dr.validate_configuration(url, cfg)


def test_canvas_issuer_claimed_by_something_else_is_refused():
    cfg = canvas_config()
    cfg[dr.PLATFORM_CONFIG]["product_family_code"] = "moodle"
    with pytest.raises(dr.RegistrationError, match="not from Canvas"):
        dr.validate_configuration(CANVAS_URL, cfg)
    cfg = canvas_config()
    cfg["jwks_uri"] = "https://attacker.example/jwks"
    with pytest.raises(dr.RegistrationError, match="not an Instructure address"):
        dr.validate_configuration(CANVAS_URL, cfg)


def test_canvas_registration_request_has_the_shape_canvas_expects():
    expected = load("canvas/registration_request_expected.json")
    c = dr.validate_configuration(CANVAS_URL, canvas_config())
    body = dr.registration_request("https://rapport.example.edu", c)
    required = {"application_type", "grant_types", "response_types", "redirect_uris", "initiate_login_uri",
                "client_name", "jwks_uri", "token_endpoint_auth_method", "scope", TOOL}
    assert required <= set(body) and required <= set(expected)
    for key in ("application_type", "token_endpoint_auth_method"):
        assert body[key] == expected[key]
    assert sorted(body["grant_types"]) == sorted(expected["grant_types"])
    assert body["redirect_uris"] == ["https://rapport.example.edu/lti/launch"]
    scopes = body["scope"].split()
    assert set(scopes) <= set(expected["scope"].split()) and len(scopes) == 4
    tool = body[TOOL]
    assert tool["domain"] == "rapport.example.edu" and tool["target_link_uri"] == "https://rapport.example.edu/lti/launch"
    assert tool["https://canvas.instructure.com/lti/privacy_level"] == "public"
    assert tool["https://canvas.instructure.com/lti/tool_id"] == "rapport"
    placements = {p for m in tool["messages"] for p in m["placements"]}
    assert placements == {"https://canvas.instructure.com/lti/assignment_selection",
                          "https://canvas.instructure.com/lti/link_selection"}
    assert all(m["type"] == "LtiDeepLinkingRequest" for m in tool["messages"])
    # every placement Rapport asks for is one Canvas supports for deep linking
    supported = {p for m in canvas_config()[dr.PLATFORM_CONFIG]["messages_supported"]
                 if m["type"] == "LtiDeepLinkingRequest" for p in m.get("placements", [])}
    assert placements <= supported
    assert tool["custom_parameters"] == {"due_at": "$Canvas.assignment.dueAt.iso8601",
                                         "submission_end": "$ResourceLink.submission.endDateTime"}
    assert set(tool["claims"]) <= set(expected[TOOL]["claims"])


def test_moodle_registration_request_matches_what_moodle_accepted():
    sent = load("moodle-4.5/dynamic_registration_exchange.json")["registration_post"]["request"]["body"]
    c = dr.validate_configuration(MOODLE_URL, moodle_config())
    body = dr.registration_request("https://rapport.example.edu", c)
    assert set(sent) - {"logo_uri"} == set(body)  # Rapport has no logo to offer
    assert set(body["scope"].split()) <= set(c.scopes_supported)
    tool = body[TOOL]
    # Moodle expands neither due-date variable: sending them would arrive as literal "$..." text
    assert tool["custom_parameters"] == {}
    assert [m["type"] for m in tool["messages"]] == ["LtiDeepLinkingRequest"]
    assert not any(k.startswith("https://canvas.instructure.com/") for k in tool)


def test_registration_response_moodle_puts_the_deployment_inside_the_tool_configuration():
    answer = load("moodle-4.5/dynamic_registration_exchange.json")["registration_post"]["response"]["body"]
    c = dr.validate_configuration(MOODLE_URL, moodle_config())
    s = FakeSession(answer)
    result = dr.register(c, "tok", {"x": 1}, session=s)
    assert (result.client_id, result.deployment_id) == ("KBTULkY0YFLtngE", "2")
    method, url, kw = s.calls[0]
    assert url == c.registration_endpoint and kw["headers"]["Authorization"] == "Bearer tok"
    assert kw["json"] == {"x": 1}


def test_registration_response_canvas_puts_it_at_the_top_level_or_not_at_all():
    answer = load("canvas/registration_response.json")
    c = dr.validate_configuration(CANVAS_URL, canvas_config())
    result = dr.register(c, "tok", {}, session=FakeSession(answer))
    assert result.client_id == "170000000000571"
    assert result.deployment_id == "93118:5855f382c4aa301e9aeb9fa0afda3b696e5b6022"
    assert result.scope.endswith(" openid")
    answer.pop("deployment_id")  # without the lti_registrations_next flag
    assert dr.register(c, "tok", {}, session=FakeSession(answer)).deployment_id is None


def test_a_refused_registration_says_so():
    c = dr.validate_configuration(MOODLE_URL, moodle_config())
    with pytest.raises(dr.RegistrationError, match="refused the registration .HTTP 401"):
        dr.register(c, "tok", {}, session=FakeSession({"error": "invalid token"}, status=401))
    with pytest.raises(dr.RegistrationError, match="no client_id"):
        dr.register(c, "tok", {}, session=FakeSession({"scope": ""}))


def test_canvas_developer_key_json_matches_the_documented_shape():
    example = load("canvas/dev_key_config_example.json")
    key = dr.canvas_developer_key("https://rapport.example.edu")
    assert set(key) == set(example) - {"oidc_initiation_urls"}
    assert key["oidc_initiation_url"] == "https://rapport.example.edu/lti/login"
    assert key["target_link_uri"] == "https://rapport.example.edu/lti/launch"
    assert key["public_jwk_url"] == "https://rapport.example.edu/lti/jwks"
    assert set(key["scopes"]) <= set(example["scopes"])
    ext, ex_ext = key["extensions"][0], example["extensions"][0]
    assert set(ext) == set(ex_ext) and ext["platform"] == "canvas.instructure.com" and ext["privacy_level"] == "public"
    assert {p["placement"] for p in ext["settings"]["placements"]} == {"assignment_selection", "link_selection"}
    for p in ext["settings"]["placements"]:
        assert set(p) == set(ex_ext["settings"]["placements"][0]) - {"icon_url"}
        assert p["message_type"] == "LtiDeepLinkingRequest"
    assert key["custom_fields"]["due_at"] == "$Canvas.assignment.dueAt.iso8601"
    assert key["custom_fields"]["submission_end"] == "$ResourceLink.submission.endDateTime"


def test_canvas_json_endpoint(client, app):
    resp = client.get("/lti/canvas.json")
    assert resp.status_code == 200 and resp.is_json
    assert resp.json["public_jwk_url"] == app.config["BASE_URL"] + "/lti/jwks"
