"""A platform's answer reduced to one readable line, with a kind and, where known, a fix."""
import pytest

from lti_tool.lti.platform_errors import (CONFLICT, NOT_GRADABLE, REFUSED, UNREACHABLE, body_summary,
                                          describe_http, describe_network)

MOODLE_TOKEN = "http://moodle.test/mod/lti/token.php"
MOODLE_SCORES = "http://moodle.test/mod/lti/services.php/2/lineitems/2/lineitem/scores?type_id=1"
MOODLE_404_PAGE = ('<!DOCTYPE html>\n<html dir="ltr" lang="en" xml:lang="en">\n<head>\n<title>Error | Moodle 4.5</title>'
                   '<link rel="stylesheet" href="x.css"></head><body id="page-mod-lti-token"><div>'
                   + "<p>" * 500 + "</div></body></html>")


def test_moodle_token_404_says_moodle_could_not_fetch_our_keys():
    err = describe_http("token", MOODLE_TOKEN, 404, "Not Found", "text/html; charset=utf-8", MOODLE_404_PAGE,
                        "https://rapport.example.edu/lti/jwks")
    assert err.kind == UNREACHABLE
    assert err.message == "token request: 404 Not Found – Error | Moodle 4.5"
    assert "Moodle could not fetch Rapport's keys" in err.fix and "HTTP security" in err.fix
    assert "https://rapport.example.edu/lti/jwks" in err.fix


def test_proxy_502_page_is_one_line():
    page = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body></html>"
    err = describe_http("score", MOODLE_SCORES, 502, "Bad Gateway", "text/html", page)
    assert err.kind == UNREACHABLE and err.message == "score: 502 Bad Gateway – 502 Bad Gateway"
    assert "\n" not in err.message and "<" not in err.message


@pytest.mark.parametrize("body, want", [
    ('{"errors":[{"message":"The specified resource does not exist."}]}', "The specified resource does not exist."),
    ('{"error":"invalid_scope","error_description":"Scope not granted"}', "Scope not granted"),
    ('{"status":400,"reason":"No handler found"}', "No handler found"),
    ("[]", ""),
    ("", ""),
])
def test_json_bodies_give_their_message(body, want):
    assert body_summary("application/json", body) == want


def test_moodle_reason_in_the_status_line_is_said_once():
    err = describe_http("score", MOODLE_SCORES, 400, "No handler found for /2/lineitems/2/lineitem/scores  application/json",
                        "application/json", '{"status": 400, "reason": "No handler found for /2/lineitems/2/lineitem/scores  application/json"}')
    assert err.kind == REFUSED and err.message.count("No handler found") == 1


def test_409_and_not_gradable_and_canvas_wording():
    assert describe_http("score", MOODLE_SCORES, 409, "Refusing score with an earlier timestamp for item 2 and user 4",
                         "", "[]").kind == CONFLICT
    canvas = describe_http("score", "https://canvas.test/api/lti/courses/1/line_items/7/scores", 422,
                           "Unprocessable Entity", "application/json",
                           '{"errors":{"type":"unprocessable_entity","message":"User not found in course or is not a student"}}')
    assert canvas.kind == NOT_GRADABLE and "not a student" in canvas.message


def test_network_errors_are_named_not_dumped():
    import requests
    err = describe_network("https://lms.test/token", requests.ConnectTimeout("HTTPSConnectionPool(...): Max retries"))
    assert err.kind == UNREACHABLE and err.message == "network: timed out (lms.test)"
