"""A test platform that also speaks LTI Dynamic Registration, Moodle-shaped or Canvas-shaped.

Built on TestPlatform (which signs id_tokens and serves JWKS and token endpoints); its issuer
is its own origin, as the spec requires of a platform whose configuration it serves. The
OpenID configuration and the registration answer are the real fixtures with this server's
addresses put in; both endpoints insist on the registration token as Bearer."""
from __future__ import annotations

import copy
import json
from pathlib import Path

from flask import jsonify, request

from tests.support.platform import TestPlatform

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


class RegistrationPlatform(TestPlatform):
    __test__ = False

    def __init__(self, shape: str, *, token="reg-token-123", client_id="new-client", deployment_id="2",
                 return_deployment=True):
        super().__init__(client_id=client_id, deployment_id=deployment_id)
        self.shape, self.token, self.return_deployment = shape, token, return_deployment
        self.issuer = self.url
        self.config_requests: list[dict] = []
        self.registrations: list[dict] = []
        app = self.server.server.app
        path = "/mod/lti/openid-configuration.php" if shape == "moodle" else "/api/lti/security/openid-configuration"
        self.configuration_url = self.url + path
        app.add_url_rule(path, "openid_configuration", self._configuration)
        app.add_url_rule("/register", "registration", self._register, methods=["POST"])

    def _authorized(self) -> bool:
        return request.headers.get("Authorization") == f"Bearer {self.token}"

    def configuration(self) -> dict:
        if self.shape == "moodle":
            data = copy.deepcopy(load("moodle-4.5/openid_configuration.json")["response"]["body"])
        else:
            data = copy.deepcopy(load("canvas/openid_configuration.json"))
        data.update(issuer=self.issuer, authorization_endpoint=self.issuer + "/auth", token_endpoint=self.url + "/token",
                    jwks_uri=self.url + "/jwks", registration_endpoint=self.url + "/register")
        return data

    def _configuration(self):
        self.config_requests.append(dict(request.headers))
        if not self._authorized():
            return jsonify(error="registration token required"), 401  # Canvas's behaviour
        return jsonify(self.configuration())

    def _register(self):
        body = request.get_json(force=True)
        self.registrations.append({"headers": dict(request.headers), "body": body})
        if not self._authorized():
            return jsonify(error="invalid registration token"), 401
        tool = "https://purl.imsglobal.org/spec/lti-tool-configuration"
        if self.shape == "moodle":
            answer = copy.deepcopy(load("moodle-4.5/dynamic_registration_exchange.json")["registration_post"]["response"]["body"])
            answer.update({k: body[k] for k in ("jwks_uri", "initiate_login_uri", "redirect_uris", "client_name", "scope")})
            answer["client_id"] = self.client_id
            answer[tool] = dict(body[tool], version="1.3.0")
            for m in answer[tool]["messages"]:
                m.pop("label", None)  # Moodle drops message labels
            if self.return_deployment:
                answer[tool]["deployment_id"] = self.deployment_id  # Moodle: inside the tool configuration
        else:
            answer = copy.deepcopy(body)
            answer["client_id"] = self.client_id
            answer["scope"] = body["scope"] + " openid"  # Canvas appends openid
            answer["registration_client_uri"] = self.url + "/api/lti/registrations/170000000000045"
            if self.return_deployment:
                answer["deployment_id"] = self.deployment_id  # Canvas: top level
        return jsonify(answer)
