"""RAPPORT_LTI_STORAGE_PROBE_MS: a Moodle-only install turns the lti.capabilities probe off
(Moodle 4.5 never answers it, so every framed login waited for it)."""
import pytest

from config import Settings, SettingsError


def test_the_probe_wait_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv("RAPPORT_LTI_STORAGE_PROBE_MS", raising=False)
    assert Settings.from_env()["LTI_STORAGE_PROBE_MS"] == 600
    monkeypatch.setenv("RAPPORT_LTI_STORAGE_PROBE_MS", "0")
    assert Settings.from_env()["LTI_STORAGE_PROBE_MS"] == 0


@pytest.mark.parametrize("value", ["-1", "soon", "60000"])
def test_a_bad_probe_wait_says_how(monkeypatch, value):
    monkeypatch.setenv("RAPPORT_LTI_STORAGE_PROBE_MS", value)
    with pytest.raises(SettingsError, match="from 0 .off. to 5000"):
        Settings.from_env()


def _framed_login(app, client, platform):
    return client.post("/lti/login", data={"iss": platform.issuer, "login_hint": "s",
                                           "target_link_uri": app.config["BASE_URL"] + "/lti/launch",
                                           "client_id": platform.client_id,
                                           "lti_deployment_id": platform.deployment_id},
                       headers={"Sec-Fetch-Dest": "iframe", "Sec-Fetch-Mode": "navigate"})


def test_with_the_probe_off_a_framed_login_goes_straight_on(app, client, platform):
    app.config["LTI_STORAGE_PROBE_MS"] = 0
    resp = _framed_login(app, client, platform)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    app.config["LTI_STORAGE_PROBE_MS"] = 600
    probed = _framed_login(app, client, platform)
    script = client.get("/static/lti_storage.js").get_data(as_text=True)
    assert probed.status_code == 200 and "lti.capabilities" in probed.get_data(as_text=True) + script
