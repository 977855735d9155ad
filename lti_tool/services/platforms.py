"""Registering platforms and deployments: validated the same way from the CLI, the admin pages
and dynamic registration. Nothing is half-saved: a bad value raises before anything changes."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from ..extensions import db
from ..lti.registration import is_loopback
from ..models import Attempt, Deployment, Platform, User
from ..models.base import utcnow

URL_FIELDS = ("auth_login_url", "auth_token_url", "key_set_url")
LABELS = {
    "issuer": "issuer", "client_id": "client id", "auth_login_url": "login (authorization) URL",
    "auth_token_url": "token URL", "key_set_url": "key set (JWKS) URL", "auth_audience": "token audience",
    "deployment_id": "deployment id", "name": "name",
}


class PlatformError(ValueError):
    """Input we refuse. `field` names the value (issuer, client_id, ...), `message` says why and what to do."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message, self.field = message, field


class PlatformExists(PlatformError):
    def __init__(self, platform: Platform, differences: dict[str, tuple[str | None, str | None]]):
        changed = "; ".join(f"{LABELS.get(k, k)} {old!r} -> {new!r}" for k, (old, new) in differences.items())
        super().__init__(
            f"platform {platform.id} ({platform.issuer}, client id {platform.client_id}) is already registered "
            f"with other values ({changed}); nothing was changed. To change it run: rapport platform update "
            f"{platform.id} " + " ".join(f"--{k.replace('_', '-')} {new}" for k, (old, new) in differences.items()),
            "client_id")
        self.platform, self.differences = platform, differences


def check_url(value: str | None, field: str, *, required: bool = True) -> str | None:
    """An absolute URL with a host; https unless the host is loopback (a lab or test platform)."""
    label = LABELS.get(field, field)
    if value is None or value == "":
        if required:
            raise PlatformError(f"the {label} is required", field)
        return None
    if value != value.strip() or any(c.isspace() for c in value):
        raise PlatformError(f"the {label} {value!r} contains spaces; remove them", field)
    try:
        parts = urlsplit(value)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise PlatformError(f"the {label} {value!r} is not a valid URL", field) from None
    if parts.scheme not in ("http", "https") or not host:
        raise PlatformError(f"the {label} must be a full URL with a host, such as https://lms.example.edu/..., "
                            f"got {value!r}", field)
    if parts.scheme == "http" and not is_loopback(host):
        raise PlatformError(f"the {label} must use https (plain http is accepted only for localhost), "
                            f"got {value!r}", field)
    if parts.fragment:
        raise PlatformError(f"the {label} must not contain a #fragment, got {value!r}", field)
    if len(value) > 1024:
        raise PlatformError(f"the {label} is longer than 1024 characters", field)
    return value


def check_id(value: str | None, field: str) -> str:
    label = LABELS.get(field, field)
    if value is None or not value.strip():
        raise PlatformError(f"the {label} is empty; copy it from the platform's tool configuration", field)
    if value != value.strip():
        raise PlatformError(f"the {label} {value!r} has spaces before or after it; remove them", field)
    if any(ord(c) < 32 for c in value):
        raise PlatformError(f"the {label} contains control characters", field)
    if len(value) > 255:
        raise PlatformError(f"the {label} is longer than 255 characters", field)
    return value


def check_issuer(value: str | None) -> str:
    check_url(value, "issuer")
    parts = urlsplit(value)
    if parts.query:
        raise PlatformError(f"the issuer must not have a ?query, got {value!r}", "issuer")
    return value


@dataclass
class PlatformInput:
    issuer: str
    client_id: str
    auth_login_url: str
    auth_token_url: str
    key_set_url: str
    auth_audience: str | None = None
    name: str | None = None

    def checked(self) -> "PlatformInput":
        check_issuer(self.issuer)
        check_id(self.client_id, "client_id")
        for field in URL_FIELDS:
            check_url(getattr(self, field), field)
        if self.auth_audience is not None and self.auth_audience != "":
            check_id(self.auth_audience, "auth_audience")
        else:
            self.auth_audience = None
        if self.name is not None:
            self.name = self.name.strip() or None
            if self.name and len(self.name) > 255:
                raise PlatformError("the name is longer than 255 characters", "name")
        return self


def field_errors(values: dict) -> dict[str, str]:
    """Every problem at once, by field (for forms), where `checked()` stops at the first."""
    checks = {"issuer": check_issuer, "client_id": lambda v: check_id(v, "client_id"),
              **{f: (lambda v, f=f: check_url(v, f)) for f in URL_FIELDS}}
    errors = {}
    for name, check in checks.items():
        if name in values:
            try:
                check(values[name])
            except PlatformError as exc:
                errors[name] = exc.message
    return errors


def check_deployment_ids(ids) -> list[str]:
    ids = list(ids)
    for dep in ids:
        check_id(dep, "deployment_id")
    return list(dict.fromkeys(ids))


def find(issuer: str, client_id: str) -> Platform | None:
    return db.session.execute(db.select(Platform).filter_by(issuer=issuer, client_id=client_id)).scalar_one_or_none()


def get(platform_id: int) -> Platform:
    p = db.session.get(Platform, platform_id)
    if p is None:
        raise PlatformError(f"there is no platform {platform_id}; see: rapport platform list", "platform")
    return p


def register(*, issuer, client_id, auth_login_url, auth_token_url, key_set_url, deployment_ids,
             auth_audience=None, name=None, source="cli", product_family=None,
             auto_accept_deployments=False) -> tuple[Platform, list[str]]:
    """Create (issuer, client_id) with its deployments. Registering the same values again only adds
    new deployment ids; other values raise PlatformExists (use update) so nothing changes silently."""
    data = PlatformInput(issuer, client_id, auth_login_url, auth_token_url, key_set_url, auth_audience, name).checked()
    deployment_ids = check_deployment_ids(deployment_ids)
    p = find(data.issuer, data.client_id)
    if p is None:
        p = Platform(issuer=data.issuer, client_id=data.client_id, auth_login_url=data.auth_login_url,
                     auth_token_url=data.auth_token_url, key_set_url=data.key_set_url,
                     auth_audience=data.auth_audience, name=data.name, source=source, product_family=product_family,
                     auto_accept_deployments=auto_accept_deployments, enabled=True)
        db.session.add(p)
    else:
        differences = {f: (getattr(p, f), getattr(data, f)) for f in (*URL_FIELDS, "auth_audience")
                       if getattr(p, f) != getattr(data, f)}
        if data.name and data.name != p.name:
            differences["name"] = (p.name, data.name)
        if differences:
            raise PlatformExists(p, differences)
    added = _add_deployments(p, deployment_ids, source)
    db.session.commit()
    return p, added


def _add_deployments(p: Platform, deployment_ids, source) -> list[str]:
    known = {d.deployment_id for d in p.deployments}
    added = []
    for dep in deployment_ids:
        if dep not in known:
            p.deployments.append(Deployment(deployment_id=dep, source=source, enabled=True, created_at=utcnow()))
            known.add(dep)
            added.append(dep)
    return added


def update(platform_id: int, *, add_deployment_ids=(), remove_deployment_ids=(), source="cli",
           **changes) -> tuple[Platform, list[str]]:
    """Change the given fields (None = leave as is); every value is checked before any is saved."""
    p = get(platform_id)
    data = PlatformInput(**{f: getattr(p, f) for f in ("issuer", "client_id", *URL_FIELDS, "auth_audience", "name")})
    for field, value in changes.items():
        if field in ("auto_accept_deployments", "enabled"):
            continue
        if value is not None:
            setattr(data, field, value)
    data.checked()
    add = check_deployment_ids(add_deployment_ids)
    remove = check_deployment_ids(remove_deployment_ids)
    if (data.issuer, data.client_id) != (p.issuer, p.client_id):
        other = find(data.issuer, data.client_id)
        if other is not None and other.id != p.id:
            raise PlatformError(f"platform {other.id} already has issuer {data.issuer} and client id "
                                f"{data.client_id}", "client_id")
    known = {d.deployment_id: d for d in p.deployments}
    for dep in remove:
        if dep not in known:
            raise PlatformError(f"platform {p.id} has no deployment {dep!r}", "deployment_id")
        if _attempts_in_deployment(known[dep]):
            raise PlatformError(f"deployment {dep!r} has attempts; disable it instead of removing it", "deployment_id")
    for field in ("issuer", "client_id", *URL_FIELDS, "auth_audience", "name"):
        setattr(p, field, getattr(data, field))
    for flag in ("auto_accept_deployments", "enabled"):
        if changes.get(flag) is not None:
            setattr(p, flag, bool(changes[flag]))
    added = _add_deployments(p, add, source)
    for dep in remove:
        p.deployments.remove(known[dep])
    db.session.commit()
    return p, added


def set_enabled(platform_id: int, enabled: bool) -> Platform:
    p = get(platform_id)
    p.enabled = enabled
    db.session.commit()
    return p


def set_deployment_enabled(platform_id: int, deployment_id: str, enabled: bool) -> Deployment:
    p = get(platform_id)
    dep = next((d for d in p.deployments if d.deployment_id == deployment_id), None)
    if dep is None:
        raise PlatformError(f"platform {p.id} has no deployment {deployment_id!r}", "deployment_id")
    dep.enabled = enabled
    db.session.commit()
    return dep


def attempt_count(p: Platform) -> int:
    return db.session.execute(
        db.select(db.func.count(Attempt.id)).join(User, Attempt.user_id == User.id).where(User.platform_id == p.id)
    ).scalar_one()


def _attempts_in_deployment(dep: Deployment) -> int:
    from ..models import Assignment, Context, ResourceLink
    return db.session.execute(
        db.select(db.func.count(Attempt.id)).join(Assignment, Attempt.assignment_id == Assignment.id)
        .join(ResourceLink, Assignment.resource_link_id == ResourceLink.id)
        .join(Context, ResourceLink.context_id == Context.id).where(Context.deployment_id == dep.id)
    ).scalar_one()


def remove(platform_id: int, *, force: bool = False) -> tuple[str, int]:
    """Delete a registration. Refused while attempts reference it unless force (which deletes them)."""
    p = get(platform_id)
    n = attempt_count(p)
    if n and not force:
        raise PlatformError(f"platform {p.id} has {n} student attempt(s); disable it instead "
                            f"(rapport platform disable {p.id}), or remove it and its attempts with --force",
                            "platform")
    label = f"{p.issuer} client id {p.client_id}"
    from ..models import RegistrationInvite
    for inv in db.session.execute(db.select(RegistrationInvite).where(RegistrationInvite.platform_id == p.id)).scalars():
        inv.platform_id = None
    db.session.flush()
    _cascade_delete(Platform.__table__, [p.id])
    db.session.commit()
    db.session.expunge_all()
    return label, n


def _cascade_delete(table, ids: list) -> None:
    """Delete rows and, first, every row that references them, in any table. PostgreSQL would
    cascade by itself; SQLite runs with foreign keys off, so this walks the schema instead."""
    if not ids:
        return
    for child in db.metadata.sorted_tables:
        for fk in child.foreign_keys:
            if fk.column.table is table and child is not table:
                col = fk.parent
                child_pk = list(child.primary_key.columns)[0]
                if fk.ondelete == "SET NULL":
                    db.session.execute(child.update().where(col.in_(ids)).values({col.name: None}))
                    continue
                child_ids = list(db.session.execute(db.select(child_pk).where(col.in_(ids))).scalars())
                _cascade_delete(child, child_ids)
    pk = list(table.primary_key.columns)[0]
    db.session.execute(table.delete().where(pk.in_(ids)))


def all_platforms() -> list[Platform]:
    return list(db.session.execute(db.select(Platform).order_by(Platform.id)).scalars())
