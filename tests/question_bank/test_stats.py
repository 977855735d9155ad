from conftest import FIXTURES as FIXTURES_DIR
from question_bank.stats import coverage, main, report


def test_coverage_counts(fixture_bank):
    cov = coverage(fixture_bank)
    assert cov["total"] == 12
    assert cov["by_type"]["multiple_choice"] == 3
    assert cov["by_topic_type"]["validation"]["dropdown_rationale"] == 1
    assert cov["by_topic_difficulty"]["alliance-ruptures"]["medium"] == 2
    assert cov["ngn_count"] == 9 and abs(cov["ngn_share"] - 0.75) < 1e-9


def test_report_and_main(fixture_bank, capsys):
    text = report(fixture_bank)
    assert "Items by topic and Bloom level" in text and "NGN types: 9 (75%)" in text
    from conftest import FIXTURES
    assert main([str(FIXTURES / "bank.yaml")]) == 0
    assert "Total items: 12" in capsys.readouterr().out


def test_report_shows_cue_figures_and_settings(fixture_bank):
    text = report(fixture_bank)
    assert "multiple choice: 3 items; key is the longest option in 67%, the shortest in" in text
    assert "drop-down blanks: 4" in text and "bow-tie physiological filler: 0" in text
    assert "Settings and client groups" in text and "telehealth" in text


def test_settings_are_found_in_stems_and_case_stimulus(tmp_path):
    import yaml
    from question_bank.bank import load_bank
    from question_bank.stats import settings
    d = yaml.safe_load((FIXTURES_DIR / "bank.yaml").read_text())
    d["items"][0]["stem"] = "A 12-year-old client in a telehealth session says nobody listens. Best?"
    p = tmp_path / "b.yaml"
    p.write_text(yaml.safe_dump(d))
    counts = settings(load_bank([p]))
    assert counts["telehealth"] == 1 and counts["child under 14"] == 1 and counts["adolescent 14-17"] == 0


def test_technique_figures_count_distractor_tags_key_family_and_wording(fixture_bank):
    from question_bank import stats
    f = stats.technique_figures(list(fixture_bank.items.values()))
    # fx-mc: a giving-advice, c false-reassurance ("It sounds hard, but..."), d why-question; key b validation
    assert f["mc_items"] == 3 and sum(f["distractors"].values()) == 7
    assert f["distractors"]["false-reassurance"] == 1 and f["distractors"]["why-question"] == 1
    assert f["keys"]["validation"] == 1 and f["key_reflect_explore"] == 1
    assert f["shapes"]["opens like a reflection, then 'but'"] == 1 and f["shapes"]["opens with 'Why'"] == 1
    assert f["shapes"]["names a feeling and asks a question (the usual key's shape)"] == 0
    assert f["all_distractors"]["false-reassurance"] == 2  # the select-n option "Don't worry." counts too
    text = report(fixture_bank)
    assert "multiple-choice distractors: 7; most used: inaccurate-assessment 2 (29%)" in text
    assert "keys of the reflect-and-explore family" in text and "1 of 3 (33%)" in text


def test_reflect_and_ask_needs_a_feeling_or_reflective_opener_and_a_question():
    from question_bank.stats import REASSURING, reflect_and_ask
    assert reflect_and_ask('"It sounds like you felt alone. What happened?"')
    assert not reflect_and_ask('"It sounds like you felt alone."')
    assert not reflect_and_ask('"What happened next?"')
    assert REASSURING.search("I'm sure it will all work out.") and not REASSURING.search("I am not certain.")


def test_the_bundled_bank_keeps_the_distractor_and_key_aims():
    """The blind review's aims (issue 11): no distractor technique over 15% of multiple-choice
    distractors, false reassurance no longer the stock distractor, and reflect-and-explore keys
    in under half of the multiple-choice items."""
    from question_bank import stats
    from question_bank.bank import load_bank
    f = stats.technique_figures(list(load_bank().items.values()))
    n = sum(f["distractors"].values())
    top, top_n = f["distractors"].most_common(1)[0]
    assert top_n / n <= stats.TECHNIQUE_SHARE_LIMIT, top
    assert f["distractors"]["false-reassurance"] / n <= 0.05
    assert f["key_reflect_explore"] / f["mc_items"] < 0.5
