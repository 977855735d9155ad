"""pylti1p3 tool configuration backed by the database: one issuer, many client_ids."""
from __future__ import annotations

from flask import g, has_request_context
from sqlalchemy import bindparam
from pylti1p3.deployment import Deployment as LibDeployment
from pylti1p3.registration import Registration as LibRegistration
from pylti1p3.tool_config.abstract import ToolConfAbstract

from ..extensions import db
from ..models import Deployment, Platform
from ..models.base import utcnow
from . import keys
from .errors import LaunchError


class ToolRegistration(LibRegistration):
    """The library derives kid from the PEM; ours is the kid we publish in /lti/jwks.

    The signing key is looked up only when something signs (AGS token requests, deep-linking
    responses): a login or launch never needs it, so it costs them no query.
    """

    _kid: str | None = None
    platform: Platform | None = None

    def _load_key(self) -> None:
        if self._kid is None:
            key = keys.ensure_key()
            # A loaded key object, not a PEM: PyJWT signs with either, and parsing costs ~37 ms.
            self.set_tool_private_key(keys.private_key(key))
            self._kid = key.kid

    def get_kid(self):
        self._load_key()
        return self._kid

    def get_tool_private_key(self):
        self._load_key()
        return super().get_tool_private_key()


def registration_for(platform: Platform) -> ToolRegistration:
    if not platform.enabled:
        raise LaunchError(f"Rapport's registration for this platform ({platform.issuer}, client id "
                          f"{platform.client_id}) is disabled. Ask your Rapport administrator to enable it.", 403)
    reg = ToolRegistration()
    reg.set_issuer(platform.issuer).set_client_id(platform.client_id)
    reg.set_auth_login_url(platform.auth_login_url).set_auth_token_url(platform.auth_token_url)
    reg.set_key_set_url(platform.key_set_url)
    if platform.auth_audience:
        reg.set_auth_audience(platform.auth_audience)
    reg.platform = platform
    return reg


_MISSING = object()


def _memo() -> dict:
    """Rows this request already read. A login or launch asks for its platform and deployment
    from the library's validators and again from the service recording it: one query serves
    all. Per request only, so disabling a platform or deployment takes effect at once."""
    if not has_request_context():
        return {}
    if "lti_registrations" not in g:
        g.lti_registrations = {}
    return g.lti_registrations


_statements: dict = {}


def _lookup_statement(with_deployment: bool):
    """Built once per process (every login and launch runs it; building a statement and its cache
    key costs more than running it on a warm connection)."""
    stmt = _statements.get(with_deployment)
    if stmt is None:
        stmt = db.select(Platform).where(Platform.issuer == bindparam("issuer_value"),
                                         Platform.client_id == bindparam("client_value"))
        if with_deployment:
            stmt = stmt.add_columns(Deployment).outerjoin(
                Deployment, (Deployment.platform_id == Platform.id)
                & (Deployment.deployment_id == bindparam("deployment_value")))
        _statements[with_deployment] = stmt
    return stmt


def lookup(issuer: str, client_id: str, deployment_id: str | None) -> tuple[Platform | None, Deployment | None]:
    """The registration and its named deployment, in one query; remembered for this request."""
    memo = _memo()
    pkey = ("platform", issuer, client_id)
    platform = memo.get(pkey, _MISSING)
    if platform is not _MISSING:
        if platform is None or deployment_id is None:
            return platform, None
        if ("deployment", platform.id, deployment_id) in memo:
            return platform, memo[("deployment", platform.id, deployment_id)]
    params = {"issuer_value": issuer, "client_value": client_id}
    if deployment_id is None:
        platform, deployment = db.session.execute(_lookup_statement(False), params).scalar_one_or_none(), None
    else:
        params["deployment_value"] = deployment_id
        platform, deployment = db.session.execute(_lookup_statement(True), params).first() or (None, None)
    memo[pkey] = platform
    if platform is not None and deployment_id is not None:
        memo[("deployment", platform.id, deployment_id)] = deployment
    return platform, deployment


def find_platform(issuer: str, client_id: str | None) -> Platform | None:
    q = db.select(Platform).where(Platform.issuer == issuer)
    if client_id:
        return lookup(issuer, client_id, None)[0]
    # No client_id in the login request: only unambiguous when the issuer has one registration.
    found = db.session.execute(q).scalars().all()
    return found[0] if len(found) == 1 else None


def find_deployment(platform: Platform, deployment_id: str) -> Deployment | None:
    key = ("deployment", platform.id, deployment_id)
    memo = _memo()
    if key in memo:
        return memo[key]
    memo[key] = db.session.execute(
        db.select(Deployment).where(
            Deployment.platform_id == platform.id, Deployment.deployment_id == deployment_id
        )
    ).scalar_one_or_none()
    return memo[key]


def _unknown_deployment(platform: Platform, deployment_id: str) -> LaunchError:
    return LaunchError(
        f'This platform\'s deployment "{deployment_id}" is not registered with Rapport (issuer {platform.issuer}, '
        f"client id {platform.client_id}). Ask your Rapport administrator to add this deployment id.", 403)


def _disabled_deployment(deployment_id: str) -> LaunchError:
    return LaunchError(f'The deployment "{deployment_id}" is disabled in Rapport. Ask your Rapport administrator '
                       "to enable it.", 403)


def check_login_deployment(platform: Platform, deployment_id: str) -> None:
    """At login nothing is verified yet: an unknown id passes only where the admin auto-accepts them."""
    dep = find_deployment(platform, deployment_id)
    if dep is None and not platform.auto_accept_deployments:
        raise _unknown_deployment(platform, deployment_id)
    if dep is not None and not dep.enabled:
        raise _disabled_deployment(deployment_id)


def accept_deployment(platform: Platform, deployment_id: str) -> Deployment:
    """For a launch whose signature is verified: the deployment, added now if the platform
    auto-accepts new ids (Canvas makes one per install); else a clear refusal naming the id."""
    dep = find_deployment(platform, deployment_id)
    if dep is None:
        if not platform.auto_accept_deployments or not deployment_id or len(deployment_id) > 255:
            raise _unknown_deployment(platform, deployment_id)
        dep = Deployment(platform_id=platform.id, deployment_id=deployment_id, source="auto", enabled=True,
                         created_at=utcnow())
        db.session.add(dep)
        db.session.flush()
        _memo()[("deployment", platform.id, deployment_id)] = dep
    if not dep.enabled:
        raise _disabled_deployment(deployment_id)
    return dep


class DatabaseToolConf(ToolConfAbstract):
    def check_iss_has_one_client(self, iss):
        return False

    def check_iss_has_many_clients(self, iss):
        return True

    def find_registration_by_issuer(self, iss, *args, **kwargs):
        platform = find_platform(iss, None)
        return registration_for(platform) if platform else None

    def find_registration_by_params(self, iss, client_id, *args, action=None, request=None, jwt_body=None, **kwargs):
        # The deployment is fetched with the registration: validate_deployment asks next.
        if jwt_body is not None:
            deployment_id = jwt_body.get("https://purl.imsglobal.org/spec/lti/claim/deployment_id")
        else:
            deployment_id = request.get_param("lti_deployment_id") if request is not None else None
        platform, _ = lookup(iss, client_id, deployment_id if isinstance(deployment_id, str) and deployment_id else None)
        return registration_for(platform) if platform else None

    def find_deployment(self, iss, deployment_id):
        return None

    def find_deployment_by_params(self, iss, deployment_id, client_id, *args, **kwargs):
        platform = find_platform(iss, client_id)
        if platform is None:
            return None
        accept_deployment(platform, deployment_id)
        return LibDeployment().set_deployment_id(deployment_id)


def unverified_issuer_and_client(id_token: str | None) -> tuple[str | None, str | None]:
    """iss and client (azp, else a string aud) of a token we refused, only to tell the admin which
    registration saw the failure. Never trusted for anything else."""
    import jwt
    try:
        body = jwt.decode(id_token or "", options={"verify_signature": False})
    except jwt.InvalidTokenError:
        return None, None
    aud = body.get("aud")
    return body.get("iss"), body.get("azp") or (aud if isinstance(aud, str) else None)
