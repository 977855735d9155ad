"""pylti1p3 tool configuration backed by the database: one issuer, many client_ids."""
from __future__ import annotations

from pylti1p3.deployment import Deployment as LibDeployment
from pylti1p3.registration import Registration as LibRegistration
from pylti1p3.tool_config.abstract import ToolConfAbstract

from ..extensions import db
from ..models import Deployment, Platform
from ..models.base import utcnow
from . import keys
from .errors import LaunchError


class ToolRegistration(LibRegistration):
    """The library derives kid from the PEM; ours is the kid we publish in /lti/jwks."""

    _kid: str | None = None
    platform: Platform | None = None

    def get_kid(self):
        return self._kid


def registration_for(platform: Platform) -> ToolRegistration:
    if not platform.enabled:
        raise LaunchError(f"Rapport's registration for this platform ({platform.issuer}, client id "
                          f"{platform.client_id}) is disabled. Ask your Rapport administrator to enable it.", 403)
    key = keys.ensure_key()
    reg = ToolRegistration()
    reg.set_issuer(platform.issuer).set_client_id(platform.client_id)
    reg.set_auth_login_url(platform.auth_login_url).set_auth_token_url(platform.auth_token_url)
    reg.set_key_set_url(platform.key_set_url)
    if platform.auth_audience:
        reg.set_auth_audience(platform.auth_audience)
    # A loaded key object, not a PEM: PyJWT signs with either, and parsing costs ~37 ms.
    reg.set_tool_private_key(keys.private_key(key))
    reg._kid = key.kid
    reg.platform = platform
    return reg


def find_platform(issuer: str, client_id: str | None) -> Platform | None:
    q = db.select(Platform).where(Platform.issuer == issuer)
    if client_id:
        return db.session.execute(q.where(Platform.client_id == client_id)).scalar_one_or_none()
    # No client_id in the login request: only unambiguous when the issuer has one registration.
    found = db.session.execute(q).scalars().all()
    return found[0] if len(found) == 1 else None


def find_deployment(platform: Platform, deployment_id: str) -> Deployment | None:
    return db.session.execute(
        db.select(Deployment).where(
            Deployment.platform_id == platform.id, Deployment.deployment_id == deployment_id
        )
    ).scalar_one_or_none()


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

    def find_registration_by_params(self, iss, client_id, *args, **kwargs):
        platform = find_platform(iss, client_id)
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
