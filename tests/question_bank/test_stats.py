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
