"""Item analysis of a generated class: 200 graded attempts with a planted bad item (stronger
students get it wrong) and a distractor nobody picks; the page, its charts and its CSV."""
import csv
import io
import math
import random
from urllib.parse import parse_qs, urlparse

from lti_tool.extensions import db
from lti_tool.models import Assignment, Attempt, AttemptItem, BankItem, User
from lti_tool.models.base import utcnow
from lti_tool.services import analysis
from lti_tool.services.bank_store import item_type
from tests.support.platform import INSTRUCTOR


def _teacher(client, platform):
    resp, _, _ = platform.launch(client, sub="teacher-1", roles=(INSTRUCTOR,))
    return parse_qs(urlparse(resp.headers["Location"]).query)["lt"][0]


def generate_class(app, n=200, seed=7):
    """n students, one graded attempt each, on the same 10 multiple-choice items.
    Item 0 is planted bad (reversed: the abler the student, the likelier wrong); item 1's
    last distractor is never chosen."""
    rng = random.Random(seed)
    with app.app_context():
        assignment = db.session.execute(db.select(Assignment)).scalar_one()
        items = db.session.execute(db.select(BankItem).where(BankItem.type == "multiple_choice", BankItem.current.is_(True))
                                   .order_by(BankItem.item_id).limit(10)).scalars().all()
        keys = [item_type(b).correct_response() for b in items]
        options = [[o["id"] for o in b.definition["options"]] for b in items]
        platform_id = db.session.execute(db.select(User.platform_id)).scalars().first()
        difficulty = [rng.uniform(-1, 1) for _ in items]
        for i in range(n):
            user = User(platform_id=platform_id, sub=f"gen-{i}", name=f"Generated {i}")
            db.session.add(user)
            db.session.flush()
            theta = rng.gauss(0, 1)
            attempt = Attempt(assignment_id=assignment.id, user_id=user.id, number=1, state="graded",
                              started_at=utcnow(), submitted_at=utcnow(), max_points=len(items))
            db.session.add(attempt)
            db.session.flush()
            total = 0
            for j, b in enumerate(items):
                logit = (-2.5 * theta) if j == 0 else (1.7 * (theta - difficulty[j]))
                right = rng.random() < 1 / (1 + math.exp(-logit))
                distractors = [o for o in options[j] if o != keys[j]]
                if j == 1:
                    distractors = distractors[:-1]
                response = keys[j] if right else rng.choice(distractors)
                total += right
                db.session.add(AttemptItem(attempt_id=attempt.id, position=j + 1, bank_item_id=b.id,
                                           presentation={}, response=response, points=float(right), max_points=1.0))
            attempt.points = float(total)
        db.session.commit()
        return [b.item_id for b in items]


def test_the_planted_bad_item_is_flagged_first_with_its_reason(client, platform, app):
    _teacher(client, platform)
    ids = generate_class(app)
    with app.app_context():
        from lti_tool.models import ResourceLink
        link = db.session.execute(db.select(ResourceLink)).scalar_one()
        ia = analysis.item_analysis(link)
        assert ia.enough and ia.attempts == 200 and len(ia.rows) == 10
        first = ia.rows[0]
        assert first.bank_item.item_id == ids[0]
        assert first.stats.discrimination_index < 0
        assert any(r.startswith("negative discrimination") for r in first.reasons)
        unused = next(r for r in ia.rows if r.bank_item.item_id == ids[1])
        assert any(r.startswith("a distractor nobody picks") for r in unused.reasons)
        good = [r for r in ia.rows if r.bank_item.item_id not in ids[:2]]
        assert all(r.stats.discrimination_index > 0 for r in good)
        assert sum(o.count for o in first.options) == 200
        assert ia.analysis.test.alpha is not None and ia.analysis.test.dichotomous  # one form: KR-20


def test_analysis_page_draws_charts_with_text_and_exports_csv(client, platform, app):
    lt = _teacher(client, platform)
    ids = generate_class(app, n=60)
    page = client.get(f"/instructor/analysis?lt={lt}").get_data(as_text=True)
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg" role="img"') >= 12  # histogram, scatter, 10 items
    assert "<desc id=\"chart-histogram-desc\">Histogram of 60 attempt scores" in page
    assert "KR-20" in page and "Standard error of measurement" in page
    assert page.index(ids[0]) < page.index(ids[5])  # flagged on top
    resp = client.get(f"/instructor/analysis.csv?lt={lt}")
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True))))
    assert rows[0][:3] == ["Item", "Version", "Topic"] and rows[1][0] == ids[0] and "negative discrimination" in rows[1][10]
    review = client.get(f"/instructor/review?lt={lt}").get_data(as_text=True)
    assert "Topics, weakest first" in review and f"#item-" in review


def test_below_the_minimum_it_says_not_enough_data(client, platform, app):
    lt = _teacher(client, platform)
    generate_class(app, n=analysis.MIN_ATTEMPTS - 1)
    page = client.get(f"/instructor/analysis?lt={lt}").get_data(as_text=True)
    assert "Not enough data yet: 9 graded attempts so far" in page and "<svg" not in page
