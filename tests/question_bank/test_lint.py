"""Each lint check fails on its own bad input (written to tmp_path)."""
import copy

import pytest
import yaml

from question_bank.lint import count_sentences, lint_paths, main
from conftest import FIXTURES

R2 = "This is one sentence. This is another sentence."


def mc(**over):
    d = {
        "id": "t-001", "version": 1, "type": "multiple_choice", "topic": "empathy",
        "client_need": "psychosocial-integrity", "cjmm_skill": "analyze-cues", "bloom": "application",
        "difficulty": "medium", "stem": "A client who has just lost a job says the day has been terrible. What is best?",
        "options": [
            {"id": "a", "text": "That sounds like a hard day.", "technique": "empathy", "rationale": R2},
            {"id": "b", "text": "Things will get better.", "technique": "false-reassurance", "rationale": R2},
            {"id": "c", "text": "Why was it terrible?", "technique": "why-question", "rationale": R2},
        ],
        "key": "a",
    }
    d.update(over)
    return d


def write(tmp_path, items=(), case_studies=None, name="bank.yaml"):
    data = {"items": list(items)}
    if case_studies:
        data["case_studies"] = case_studies
    p = tmp_path / name
    p.write_text(yaml.safe_dump(data, sort_keys=False))
    return p


def messages(problems):
    return "\n".join(str(p) for p in problems)


def test_clean_inputs_have_no_problems(tmp_path):
    assert lint_paths([write(tmp_path, [mc()])]) == []
    assert lint_paths([FIXTURES / "bank.yaml"]) == []


def _opt(i, **over):
    d = mc()
    d["options"][i].update(over)
    return d


@pytest.mark.parametrize("item, expected", [
    ({k: v for k, v in mc().items() if k != "bloom"}, "bloom: missing"),
    (mc(version="one"), "version: must be a positive integer"),
    (mc(topic="feelings"), "topic: 'feelings' is not one of"),
    (mc(client_need="x"), "client_need"),
    (mc(cjmm_skill="guess"), "cjmm_skill"),
    (mc(difficulty="trivial"), "difficulty"),
    (mc(type="essay"), "type: 'essay'"),
    (_opt(1, technique="nagging"), "unknown technique 'nagging'"),
    (_opt(1, technique=None), "technique is missing"),
    (_opt(2, rationale=""), "rationale is missing"),
    (_opt(2, id="a"), "duplicate id"),
    (_opt(2, colour="red"), "unknown field"),
    (mc(key=["a", "b"]), "exactly one key"),
    (mc(key="z"), "'z' is not an option id"),
    (mc(options=mc()["options"][:2]), "needs 3-5 options"),
    (_opt(2, text="All of the above"), "all/none of the above"),
    (_opt(2, text="None of the above."), "all/none of the above"),
    (mc(extra_field=1), "unknown field"),
    (mc(type="select_all", key=["a"]), "2 or more keys"),
    (mc(type="select_n", n=2, key=["a"]), "exactly n=2"),
    (mc(type="ordered_response", key=["a", "b"]), "every option id exactly once"),
])
def test_each_check_fails_on_bad_input(tmp_path, item, expected):
    problems = lint_paths([write(tmp_path, [item])])
    assert expected in messages(problems)
    assert all(str(p).split(":")[0].endswith("bank.yaml") for p in problems)


def test_problem_format_has_file_line_and_id(tmp_path):
    p = write(tmp_path, [mc(), mc(id="t-002", topic="x", stem="A wholly different situation with a teenager at school.")])
    [problem] = lint_paths([p])
    line = p.read_text().splitlines().index("- id: t-002") + 1
    assert str(problem).startswith(f"{p}:{line}: t-002: topic")


def test_rationale_sentence_count_is_a_warning(tmp_path):
    problems = lint_paths([write(tmp_path, [_opt(0, rationale="Too short.")])])
    assert [p.level for p in problems] == ["warning"] and "1 sentence" in messages(problems)
    five = " ".join(["A sentence here."] * 5)
    assert "5 sentence" in messages(lint_paths([write(tmp_path, [_opt(0, rationale=five)])]))


@pytest.mark.parametrize("text, n", [
    ("One. Two.", 2), ("It names the feeling (validation). The client feels heard!", 2),
    ("e.g. this is one sentence.", 1), ('He said "Stop." Then he left. Why?', 3), ("", 0),
])
def test_count_sentences(text, n):
    assert count_sentences(text) == n


def test_duplicate_ids_across_files(tmp_path):
    a = write(tmp_path, [mc()], name="a.yaml")
    b = write(tmp_path, [mc(stem="A different client in the clinic asks about medicines and sleep.")], name="b.yaml")
    problems = lint_paths([a, b])
    assert "duplicate item id (first at" in messages(problems) and str(b) in messages(problems)


def test_near_duplicate_stems(tmp_path):
    near = mc(id="t-002", stem=mc()["stem"].replace("terrible", "terrible!").upper())
    assert "near-duplicate of t-001" in messages(lint_paths([write(tmp_path, [mc(), near])]))
    far = mc(id="t-002", stem="An older adult in the emergency department refuses to speak. What should the nurse do?")
    assert lint_paths([write(tmp_path, [mc(), far])]) == []


def case(n_items):
    items = []
    for i in range(n_items):
        d = mc(id=f"cs-{i}", stem=f"Case question number {i}: " + "x " * i * 30)
        for k in ("topic", "version", "client_need"):
            d.pop(k)
        items.append(d)
    return [{"id": "cs", "version": 1, "title": "T", "topic": "empathy", "client_need": "psychosocial-integrity",
             "stimulus": [{"heading": "Notes", "text": "..."}], "items": items}]


def test_case_study_size(tmp_path):
    assert lint_paths([write(tmp_path, case_studies=case(6))]) == []
    assert "case study has 7 items; at most 6" in messages(lint_paths([write(tmp_path, case_studies=case(7))]))


def test_case_study_needs_fields(tmp_path):
    cs = case(2)
    del cs[0]["stimulus"]
    assert "stimulus" in messages(lint_paths([write(tmp_path, case_studies=cs)]))


def test_main_exit_codes(tmp_path, capsys):
    good = write(tmp_path, [mc()], name="good.yaml")
    assert main([str(good)]) == 0
    bad = write(tmp_path, [mc(topic="nope")], name="bad.yaml")
    assert main([str(bad)]) == 1
    assert f"{bad}:" in capsys.readouterr().out
    warn = write(tmp_path, [_opt(0, rationale="Short.")], name="warn.yaml")
    assert main([str(warn)]) == 0 and main(["--strict", str(warn)]) == 1


def test_yaml_syntax_error_is_reported(tmp_path):
    p = tmp_path / "x.yaml"
    p.write_text("items:\n  - id: a\n  bad indentation: [\n")
    assert main([str(p)]) == 1
