"""Render every item partial and read it back as a browser would submit it."""
from pathlib import Path

import pytest

from question_bank.types import REGISTRY, get_type

from qb_formdata import read_form

jinja2 = pytest.importorskip("jinja2")
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


@pytest.fixture(scope="module")
def env():
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                              undefined=jinja2.StrictUndefined)


def test_every_type_has_a_partial():
    for key in REGISTRY:
        assert (TEMPLATES / "items" / f"{key}.html").is_file(), key


def _render(env, item, rng, response):
    t = get_type(item.type)(item.definition)
    view = t.present(t.start(rng))
    html = env.get_template(f"items/{item.type}.html").render(view=view, prefix="q3", response=response, qnum=3)
    return t, html


def test_round_trip_of_correct_response(env, fixture_bank, rng):
    for item in fixture_bank.items.values():
        t = get_type(item.type)(item.definition)
        t, html = _render(env, item, rng, t.correct_response())
        form = read_form(html)
        back = t.from_form(form.data, "q3")
        assert t.grade(back).points == t.max_points(), (item.id, back)


def test_empty_render_submits_nothing(env, fixture_bank, rng):
    for item in fixture_bank.items.values():
        t, html = _render(env, item, rng, None)
        assert t.from_form(read_form(html).data, "q3") is None, item.id


def test_markup_has_no_keys_or_rationales(env, fixture_bank, rng):
    for item in fixture_bank.items.values():
        t, html = _render(env, item, rng, None)
        for c in t.choices():
            assert c["rationale"] not in html, item.id
            assert c["technique"] not in html.replace(item.definition["stem"], ""), item.id
        assert "key" not in str(t.present(None)).lower().replace("keep", ""), item.id


def test_every_control_is_labelled_and_wrapped(env, fixture_bank, rng):
    for item in fixture_bank.items.values():
        t, html = _render(env, item, rng, None)
        form = read_form(html)
        assert 'data-item-prefix="q3"' in html and "<fieldset" in html and "<legend" in html
        controls = [i for i in form.control_ids if i.startswith("q3-")]
        for cid in controls:
            assert cid in form.label_for, (item.id, cid)
        assert len(controls) == len(set(controls)), item.id
