"""Rapport's administrators: created from the CLI, signed in on /admin with a password.

Passwords are stored as salted scrypt hashes (werkzeug). After MAX_FAILURES wrong passwords in a
row an account is locked for LOCKOUT; the counter lives in the database, so every app host
shares it. Per-address limits are in the admin blueprint."""
from __future__ import annotations

import hmac
from datetime import timedelta

from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..models import AdminUser
from ..models.base import utcnow

MIN_PASSWORD = 12
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
# Compared against when the user does not exist, so both paths take the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password-but-hashed-the-same-way")


class AdminError(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def check_username(username: str) -> str:
    if not username or username != username.strip() or len(username) > 64 or any(c.isspace() for c in username):
        raise AdminError("the username must be 1-64 characters without spaces")
    return username


def check_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD:
        raise AdminError(f"the password must have at least {MIN_PASSWORD} characters")
    return password


def create_user(username: str, password: str) -> AdminUser:
    check_username(username)
    check_password(password)
    if db.session.execute(db.select(AdminUser).filter_by(username=username)).scalar_one_or_none():
        raise AdminError(f"the admin user {username!r} exists; to change the password run: "
                         f"rapport admin set-password {username}")
    user = AdminUser(username=username, password_hash=generate_password_hash(password), created_at=utcnow())
    db.session.add(user)
    db.session.commit()
    return user


def set_password(username: str, password: str) -> AdminUser:
    check_password(password)
    user = db.session.execute(db.select(AdminUser).filter_by(username=username)).scalar_one_or_none()
    if user is None:
        raise AdminError(f"there is no admin user {username!r}; create it with: rapport admin create-user {username}")
    user.password_hash = generate_password_hash(password)
    user.failed_logins, user.locked_until = 0, None
    db.session.commit()
    return user


def delete_user(username: str) -> None:
    user = db.session.execute(db.select(AdminUser).filter_by(username=username)).scalar_one_or_none()
    if user is None:
        raise AdminError(f"there is no admin user {username!r}")
    db.session.delete(user)
    db.session.commit()


def users() -> list[AdminUser]:
    return list(db.session.execute(db.select(AdminUser).order_by(AdminUser.username)).scalars())


def authenticate(username: str, password: str) -> AdminUser:
    """The user, or AdminError with a message safe to show (never says which part was wrong)."""
    user = db.session.execute(db.select(AdminUser).filter_by(username=username or "")).scalar_one_or_none()
    now = utcnow()
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        raise AdminError("Wrong username or password.")
    if user.locked_until and user.locked_until > now:
        raise AdminError("Too many failed sign-ins for this account. Try again in 15 minutes, or reset the "
                         "password with: rapport admin set-password")
    if not check_password_hash(user.password_hash, password or ""):
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= MAX_FAILURES:
            user.locked_until, user.failed_logins = now + LOCKOUT, 0
        db.session.commit()
        raise AdminError("Wrong username or password.")
    user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
    db.session.commit()
    return user


def session_marker(user: AdminUser) -> str:
    """Changes when the password does, which signs out every session of that user."""
    return hmac.new(user.password_hash.encode(), b"rapport-admin-session", "sha256").hexdigest()[:32]


def user_for_session(user_id, marker) -> AdminUser | None:
    user = db.session.get(AdminUser, user_id) if isinstance(user_id, int) else None
    if user is None or not isinstance(marker, str) or not hmac.compare_digest(session_marker(user), marker):
        return None
    return user
