"""WTForms for the admin pages (top-level pages with a session, so Flask-WTF's CSRF token applies)."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[InputRequired(), Length(max=64)],
                           render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"})
    password = PasswordField("Password", validators=[InputRequired(), Length(max=1024)],
                             render_kw={"autocomplete": "current-password"})


def _url(label, description=None, required=True):
    return StringField(label, description=description,
                       validators=[InputRequired() if required else Optional(), Length(max=1024)],
                       render_kw={"inputmode": "url", "autocomplete": "off", "spellcheck": "false"})


class PlatformForm(FlaskForm):
    name = StringField("Name (for you)", validators=[Optional(), Length(max=255)],
                       description="e.g. Moodle production")
    issuer = _url("Issuer (Platform ID)", "Moodle: the site URL. Canvas: https://canvas.instructure.com")
    client_id = StringField("Client ID", validators=[InputRequired(), Length(max=255)],
                            render_kw={"autocomplete": "off", "spellcheck": "false"})
    auth_login_url = _url("Authentication request URL", "Moodle: …/mod/lti/auth.php")
    auth_token_url = _url("Access token URL", "Moodle: …/mod/lti/token.php")
    key_set_url = _url("Public keyset URL", "Moodle: …/mod/lti/certs.php")
    auth_audience = StringField("Token audience (optional)", validators=[Optional(), Length(max=1024)],
                                description="Leave empty unless the platform asks for a specific aud.")
    auto_accept_deployments = BooleanField(
        "Accept new deployment IDs of this client after a verified launch",
        description="Canvas creates one for every installation of the developer key.")


class NewPlatformForm(PlatformForm):
    deployment_ids = TextAreaField("Deployment IDs, one per line", validators=[Optional(), Length(max=10000)],
                                   description="Moodle: the Deployment ID from the tool's configuration details.",
                                   render_kw={"rows": 3, "spellcheck": "false"})


class DeploymentForm(FlaskForm):
    deployment_id = StringField("Deployment ID", validators=[InputRequired(), Length(max=255)],
                                render_kw={"spellcheck": "false", "autocomplete": "off"})


class InviteForm(FlaskForm):
    note = StringField("Note (which platform it is for)", validators=[Optional(), Length(max=255)])


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


# How long a rotated-out key stays published: long enough for every platform's JWKS cache (Moodle
# and Canvas refetch on an unknown kid; others may cache for hours) and for what it signed.
GRACE_CHOICES = [("1", "1 hour"), ("24", "24 hours (recommended)"), ("72", "3 days"), ("168", "7 days"),
                 ("720", "30 days")]


class RotateKeysForm(FlaskForm):
    grace_hours = SelectField("Keep the old key published for", choices=GRACE_CHOICES, default="24",
                              description="Platforms that cached Rapport's keys still verify what the old key "
                                          "signed during this time.")
