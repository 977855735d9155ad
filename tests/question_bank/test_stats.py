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
