def test_healthz_and_readyz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.get("/readyz").get_json() == {"status": "ready"}


def test_readyz_reports_an_unreachable_database():
    from config import settings_for_tests
    from lti_tool import create_app
    app = create_app(settings_for_tests("postgresql+psycopg://nobody@127.0.0.1:9/none"))
    resp = app.test_client().get("/readyz")
    assert resp.status_code == 503 and resp.get_json()["status"] == "unavailable"


def test_unknown_page_is_a_clear_404_without_trace(client):
    resp = client.get("/nope", headers={"Accept": "text/html"})
    assert resp.status_code == 404 and "Traceback" not in resp.get_data(as_text=True)
