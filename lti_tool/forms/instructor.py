"""WTForms for the instructor pages. CSRF is the launch token (no cookies in an LMS iframe)."""
from flask_wtf import FlaskForm
from wtforms import DecimalField, IntegerField, SelectField, SelectMultipleField
from wtforms.validators import InputRequired, NumberRange, Optional


class AssignmentForm(FlaskForm):
    class Meta:
        csrf = False  # the signed launch token in the form is the CSRF defence

    blueprint_key = SelectField("Question set (blueprint)", validators=[InputRequired()])
    collections = SelectMultipleField("Draw only from these collections (none selected = all)", validators=[Optional()])
    attempts_allowed = IntegerField("Attempts allowed (0 = unlimited)", validators=[InputRequired(), NumberRange(0, 50)])
    grading_method = SelectField("Grade sent to the gradebook", choices=[
        ("highest", "Highest attempt"), ("latest", "Latest attempt"), ("first", "First attempt"), ("average", "Average")])
    feedback_policy = SelectField("Show rationales", choices=[
        ("after_submit", "After each submission"), ("after_due", "After the due date"), ("never", "Never")])
    points_possible = DecimalField("Points possible", places=2, validators=[InputRequired(), NumberRange(0.01, 1000)])
    time_limit_minutes = IntegerField("Time limit in minutes (blank = none)", validators=[Optional(), NumberRange(1, 600)])


class AccommodationForm(FlaskForm):
    class Meta:
        csrf = False

    time_multiplier = DecimalField("Time multiplier", places=2, default=1, validators=[InputRequired(), NumberRange(1, 10)])
    extra_attempts = IntegerField("Extra attempts", default=0, validators=[InputRequired(), NumberRange(0, 20)])
