"""WTForms for the instructor pages. CSRF is the launch token (no cookies in an LMS iframe)."""
from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateTimeLocalField, DecimalField, FieldList, Form, FormField, IntegerField,
                     SelectField, SelectMultipleField, StringField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..services.assignments import (DELIVERY_LABELS, DIFFICULTY_CHOICES, FEEDBACK_LABELS, GRADING_LABELS,
                                    SKILL_CHOICES, TOPIC_CHOICES, TYPE_CHOICES)

ROWS = 6  # rows of a custom question set


class SectionForm(Form):
    """One row of a custom question set: a filter and how many questions to draw from it."""

    topic = SelectField("Topic", choices=[("", "Any topic")] + TOPIC_CHOICES, validators=[Optional()])
    type = SelectField("Question type", choices=[("", "Any type")] + TYPE_CHOICES, validators=[Optional()])
    cjmm_skill = SelectField("Clinical judgement skill", choices=[("", "Any skill")] + SKILL_CHOICES,
                             validators=[Optional()])
    difficulty = SelectField("Difficulty", choices=[("", "Any difficulty")] + DIFFICULTY_CHOICES,
                             validators=[Optional()])
    count = IntegerField("Questions", validators=[Optional(), NumberRange(1, 100, "Enter between 1 and 100 questions.")])

    def as_section(self) -> dict | None:
        if not self.count.data:
            return None
        flt = {k: getattr(self, k).data for k in ("topic", "type", "cjmm_skill", "difficulty") if getattr(self, k).data}
        return {"filter": flt, "count": int(self.count.data)}


class AssignmentForm(FlaskForm):
    class Meta:
        csrf = False  # the signed launch token in the form is the CSRF defence

    title = StringField("Title", validators=[DataRequired("Give the assignment a title."), Length(max=200)])
    blueprint_key = SelectField("Question set", validators=[InputRequired("Choose a question set.")])
    sections = FieldList(FormField(SectionForm), min_entries=ROWS, max_entries=ROWS)
    collections = SelectMultipleField("Draw only from these question collections (none selected: all of them)",
                                      validators=[Optional()])
    attempts_allowed = IntegerField("Attempts allowed (0 for unlimited)", default=1, validators=[
        InputRequired("Enter how many attempts each student may take (0 for unlimited)."),
        NumberRange(0, 50, "Attempts allowed must be between 0 (unlimited) and 50.")])
    time_limit_minutes = IntegerField("Time limit in minutes (leave blank for none)", validators=[
        Optional(), NumberRange(1, 600, "The time limit must be between 1 and 600 minutes.")])
    grading_method = SelectField("Grade sent to the gradebook", choices=list(GRADING_LABELS.items()))
    feedback_policy = SelectField("Show rationales to students", choices=list(FEEDBACK_LABELS.items()))
    # "" is the model's None: one question per page when the set is timed, all on one page when not.
    delivery = SelectField("How questions are shown", choices=list(DELIVERY_LABELS.items()),
                           filters=[lambda v: v or ""])
    points_possible = DecimalField("Points possible", places=2, default=10, validators=[
        InputRequired("Enter the points possible."), NumberRange(0.01, 1000, "Points possible must be between 0.01 and 1000.")])
    shuffle_options = BooleanField("Shuffle the answer options (items that must keep their order stay as written)",
                                   default=True)
    mode = SelectField("How questions are given", choices=[
        ("fixed", "A drawn question set (the same length for everyone)"),
        ("adaptive", "Adaptive practice: one question at a time, chosen for each student")], default="fixed")
    adaptive_max_items = IntegerField("Adaptive: most questions in a session", default=25, validators=[
        Optional(), NumberRange(5, 100, "The most questions in an adaptive session must be between 5 and 100.")])
    adaptive_precision = SelectField("Adaptive: when a session stops", choices=[
        ("0.55", "Quick check (about 10-15 questions)"), ("0.45", "Standard (about 15-25 questions)"),
        ("0.35", "Thorough (about 25-35 questions)")], default="0.45")
    adaptive_grade = SelectField("Adaptive: what the gradebook receives", choices=[
        ("completion", "Completion: full points for finishing a session"),
        ("mastery", "Mastery percent: share of the session's topics likely mastered")], default="completion")
    due_at = DateTimeLocalField("Due date, UTC (optional; for when the LMS sends none)", format="%Y-%m-%dT%H:%M",
                                validators=[Optional()])

    def custom_sections(self) -> list[dict]:
        return [s for s in (row.form.as_section() for row in self.sections) if s]


class AccommodationForm(FlaskForm):
    class Meta:
        csrf = False

    time_multiplier = DecimalField("Time multiplier", places=2, default=1, validators=[
        InputRequired("Enter a time multiplier (1 means no extra time)."),
        NumberRange(1, 10, "The time multiplier must be between 1 and 10.")])
    extra_attempts = IntegerField("Extra attempts", default=0, validators=[
        InputRequired("Enter the number of extra attempts (0 for none)."),
        NumberRange(0, 20, "Extra attempts must be between 0 and 20.")])
