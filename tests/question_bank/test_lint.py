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
            {"id": "b", "text": "It sounds rough, but things will get better.", "technique": "false-reassurance",
             "rationale": R2},
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


# --- test-wise cues (docs/item-writing.md rule 12) ------------------------------------------

def mc_set(n, key_text, distractors, **over):
    """n multiple-choice items with distinct stems, each keyed on an option of key_text."""
    places = ["clinic", "unit", "shelter", "school", "home", "ward", "office", "hospice", "prison", "lobby",
              "garden", "library"]
    out = []
    for i in range(n):
        d = mc(id=f"t-{i:03d}", stem=f"Client number {i} at the {places[i % len(places)]} "
                                     f"{'x' * i} says something the nurse must answer.")
        d["options"] = [{"id": "a", "text": key_text, "technique": "empathy", "rationale": R2}] + [
            {"id": chr(98 + k), "text": t, "technique": "false-reassurance", "rationale": R2}
            for k, t in enumerate(distractors)]
        d.update(over)
        out.append(d)
    return out


def test_key_longest_rate_over_the_limit_is_a_warning(tmp_path):
    planted = mc_set(10, "A key that is plainly the longest of them all.", ["Short one here.", "Another short one.",
                                                                            "A third short one."])
    problems = lint_paths([write(tmp_path, planted)])
    assert "the key is the longest option in 10 of 10 multiple-choice items (100%; at most 30%)" in messages(problems)
    assert "over 1.25x the mean distractor length in 10 of 10" in messages(problems)
    assert all(p.level == "warning" for p in problems)
    assert main(["--strict", str(write(tmp_path, planted))]) == 1


def test_key_not_longest_passes_the_rate(tmp_path):
    fair = mc_set(10, "A key of middle length.", ["A distractor that runs longer.", "Short one here.",
                                                  "A third option, similar."])
    assert "longest option" not in messages(lint_paths([write(tmp_path, fair)]))


def test_key_shortest_rate_is_the_reverse_cue(tmp_path):
    short = mc_set(10, "Short key.", ["A distractor that runs longer.", "Another longer distractor.",
                                      "A third, longer option."])
    assert "the key is the shortest option in 10 of 10" in messages(lint_paths([write(tmp_path, short)]))


def test_blank_key_length_rates_are_checked_over_all_files(tmp_path):
    def cloze(i):
        opt = lambda oid, text, tech: {"id": oid, "text": text, "technique": tech, "rationale": R2}
        return mc(id=f"t-{i:03d}", type="dropdown_cloze", options=None, key=None,
                  stem=f"Client {i} {'y' * i} needs a reply from the nurse.", text="The nurse should {{b1}}.",
                  blanks=[{"id": "b1", "key": "x", "options": [opt("x", "sit with the client and reflect what she said", "reflection"),
                                                               opt("y", "leave the room", "rejecting"),
                                                               opt("z", "change the topic", "changing-the-subject")]}])
    items = [cloze(i) for i in range(8)]
    for d in items:
        del d["options"], d["key"]
    problems = messages(lint_paths([write(tmp_path, items[:4], name="a.yaml"), write(tmp_path, items[4:], name="b.yaml")]))
    assert "the key is the longest option in 8 of 8 drop-down blanks" in problems


def test_rate_needs_enough_items(tmp_path):
    few = mc_set(3, "A key that is plainly the longest of them all.", ["Short one.", "Short two.", "Short 3."])
    assert "longest option" not in messages(lint_paths([write(tmp_path, few)]))


def test_ratio_limit_catches_a_slightly_longer_but_much_longer_key(tmp_path):
    # Key longest in 3 of 10 (allowed) but 1.5x the distractors in those 3 (30% > 5%).
    long_key = mc_set(3, "A key that is much longer than the others.", ["Short one here.", "Short two here.",
                                                                         "Short three here."])
    fair = mc_set(10, "A key of middle length.", ["A distractor that runs longer.", "Short one here.",
                                                  "A third option, similar."])[3:]
    problems = messages(lint_paths([write(tmp_path, long_key + fair)]))
    assert "longest option in" not in problems and "over 1.25x the mean distractor length in 3 of 10" in problems


def test_only_the_key_names_a_feeling(tmp_path):
    planted = _opt(0, text="It sounds frightening to lose a job.")
    assert "only the key names a feeling" in messages(lint_paths([write(tmp_path, [planted])]))
    fair = mc()
    fair["options"][0]["text"] = "It sounds frightening to lose a job."
    fair["options"][1]["text"] = "Don't be scared; things will get better."
    assert "names a feeling" not in messages(lint_paths([write(tmp_path, [fair])]))


def test_only_the_key_is_compound(tmp_path):
    planted = _opt(0, text="That sounds hard. What happened today?")
    assert "only the key makes two points" in messages(lint_paths([write(tmp_path, [planted])]))
    fair = mc()
    fair["options"][0]["text"] = "That sounds hard. What happened today?"
    fair["options"][2]["text"] = "Why was it terrible? Tell me."
    assert "two points" not in messages(lint_paths([write(tmp_path, [fair])]))


def bowtie(param_text, stem="A client on the unit shouts at staff after a long wait. Complete the diagram."):
    def opts(prefix, n, tech):
        return [{"id": f"{prefix}{i}", "text": f"Choice {prefix}{i} about talking", "technique": tech, "rationale": R2}
                for i in range(1, n + 1)]
    params = opts("p", 5, "accurate-assessment")
    params[4]["text"] = param_text
    return mc(type="bowtie", stem=stem, options=None, conditions=opts("c", 4, "accurate-assessment"),
              actions=opts("a", 5, "therapeutic-action"), parameters=params,
              key={"condition": "c1", "actions": ["a1", "a2"], "parameters": ["p1", "p2"]})


def test_bowtie_physiological_filler(tmp_path):
    d = bowtie("His blood glucose level")
    del d["options"]
    assert "names 'blood glucose', which the case never mentions" in messages(lint_paths([write(tmp_path, [d])]))
    ok = bowtie("His blood glucose level", stem="A client who has diabetes and a blood glucose of 40 is confused.")
    del ok["options"]
    assert "never mentions" not in messages(lint_paths([write(tmp_path, [ok])]))


def leak_case(unfold_text):
    first = mc(id="cs-1", stem="What should the nurse do first for the guarded client?")
    first["options"] = [
        {"id": "a", "text": "Offer choices about where to sit and whether the door stays open",
         "technique": "trauma-informed", "rationale": R2},
        {"id": "b", "text": "Tell her the unit never uses restraints", "technique": "false-reassurance", "rationale": R2},
        {"id": "c", "text": "Leave her alone until she asks for help", "technique": "rejecting", "rationale": R2},
    ]
    second = mc(id="cs-2", stem="Which response is best now?", unfold=[{"heading": "Later", "text": unfold_text}])
    items = []
    for d in (first, second):
        for k in ("topic", "version", "client_need"):
            d.pop(k)
        items.append(d)
    return [{"id": "cs", "version": 1, "title": "T", "topic": "empathy", "client_need": "psychosocial-integrity",
             "stimulus": [{"heading": "Notes", "text": "A guarded client sits with her coat on."}], "items": items}]


def test_case_part_that_states_an_earlier_key(tmp_path):
    leak = leak_case("She chose to sit by the window with the door open, as the nurse offered.")
    assert "states the key of cs-1" in messages(lint_paths([write(tmp_path, case_studies=leak)]))
    fair = leak_case("An hour later she says she has not slept for two nights.")
    assert "states the key" not in messages(lint_paths([write(tmp_path, case_studies=fair)]))


SIMILAR = [
    "A 45-year-old client in the emergency department shouts that he has waited four hours. Which response is best?",
    "A 52-year-old client in the emergency department shouts that she has waited five hours. Which response is best?",
]


def test_very_similar_stems_need_a_family(tmp_path):
    a, b = mc(id="t-001", stem=SIMILAR[0]), mc(id="t-002", stem=SIMILAR[1])
    assert "stem is very similar to t-001" in messages(lint_paths([write(tmp_path, [a, b])]))
    a["family"] = b["family"] = "angry-after-long-wait"
    assert "very similar" not in messages(lint_paths([write(tmp_path, [a, b])]))


@pytest.mark.parametrize("family", ["Angry Wait", "", "x_y", 3])
def test_family_must_be_a_hyphenated_name(tmp_path, family):
    assert "family: must be a lower-case-hyphenated name" in messages(lint_paths([write(tmp_path, [mc(family=family)])]))


def test_case_study_family_is_inherited_by_its_items(tmp_path):
    cs = case(2)
    cs[0]["family"] = "termination-regression"
    from question_bank.bank import load_bank
    bank = load_bank([write(tmp_path, case_studies=cs)])
    assert {i.family for i in bank.items.values()} == {"termination-regression"}



def test_bundled_bank_passes_strict_lint():
    """What CI holds the bank to: no errors and no warnings, cue limits included."""
    problems = lint_paths()
    assert [str(p) for p in problems] == []


def test_hard_needs_a_rubric_criterion_the_lint_can_see(tmp_path):
    bare = mc(difficulty="hard", bloom="application")
    assert "marked hard, but" in messages(lint_paths([write(tmp_path, [bare])]))
    for ok in (mc(difficulty="hard", bloom="analysis"), mc(difficulty="hard", type="ordered_response",
                                                            key=["a", "b", "c"], scoring="by_position")):
        ok["options"].append({"id": "d", "text": "A fourth step here.", "technique": "empathy", "rationale": R2})
        if ok["type"] == "ordered_response":
            ok["key"] = ["a", "b", "c", "d"]
        assert "marked hard" not in messages(lint_paths([write(tmp_path, [ok])]))


def test_easy_cannot_be_analysis(tmp_path):
    assert "marked easy at Bloom level analysis" in messages(
        lint_paths([write(tmp_path, [mc(difficulty="easy", bloom="analysis")])]))


def test_spoken_reply_needs_a_communication_tag(tmp_path):
    planted = _opt(1, text='"Let\'s go over your paperwork now."', technique="ineffective-action")
    assert "is a spoken reply tagged 'ineffective-action'" in messages(lint_paths([write(tmp_path, [planted])]))
    fine = _opt(1, text='"Let\'s go over your paperwork now."', technique="changing-the-subject")
    assert "spoken reply" not in messages(lint_paths([write(tmp_path, [fine])]))


# --- where keys are written (exports keep the written order) --------------------------------

def test_keys_written_at_one_position_over_the_bank_is_a_warning(tmp_path):
    planted = mc_set(10, "A key of middle length.", ["A distractor that runs longer.", "Short one here.",
                                                     "A third option, similar."])
    assert "the key is written as option 1 in 10 of 10 multiple-choice items (100%; at most 35%)" in messages(
        lint_paths([write(tmp_path, planted)]))
    for i, d in enumerate(planted):  # rotate the key over a-d
        d["options"] = d["options"][-(i % 4):] + d["options"][:-(i % 4)] if i % 4 else d["options"]
        for n, o in enumerate(d["options"]):
            if o["technique"] == "empathy":
                d["key"] = o["id"]
    assert "is written as option" not in messages(lint_paths([write(tmp_path, planted)]))


def test_ordering_written_in_key_order_is_a_warning(tmp_path):
    steps = [{"id": x, "text": f"Step {x} of the plan.", "technique": "therapeutic-action", "rationale": R2}
             for x in "abcd"]
    d = mc(type="ordered_response", options=steps, key=["a", "b", "c", "d"], scoring="by_position")
    assert "steps are written in the key's order" in messages(lint_paths([write(tmp_path, [d])]))
    d["key"] = ["c", "a", "d", "b"]
    assert "key's order" not in messages(lint_paths([write(tmp_path, [d])]))


def test_bowtie_keys_written_first_is_a_warning(tmp_path):
    d = bowtie("His willingness to talk")
    del d["options"]
    assert "written at the head of their lists" in messages(lint_paths([write(tmp_path, [d])]))
    d["key"] = {"condition": "c3", "actions": ["a2", "a4"], "parameters": ["p1", "p5"]}
    assert "head of their lists" not in messages(lint_paths([write(tmp_path, [d])]))


def test_only_the_key_opens_like_a_reflection(tmp_path):
    planted = _opt(0, text='"It sounds like losing the job hit hard."')
    planted["options"][1]["text"] = '"Things will get better."'
    assert "only the key opens like a reflection" in messages(lint_paths([write(tmp_path, [planted])]))
    fair = _opt(0, text='"It sounds like losing the job hit hard."')
    fair["options"][1]["text"] = '"It sounds hard, but things will get better."'
    assert "opens like a reflection" not in messages(lint_paths([write(tmp_path, [fair])]))


def test_case_part_whose_options_give_away_a_later_key(tmp_path):
    # An earlier part's option names what the later part's key says: a leak in the other direction.
    case = leak_case("An hour later she says she has not slept for two nights.")
    case[0]["items"][1]["options"] = [
        {"id": "a", "text": "Ask whether she would like a night light and the door ajar",
         "technique": "trauma-informed", "rationale": R2},
        {"id": "b", "text": "Tell her the sleeping pill will work", "technique": "false-reassurance", "rationale": R2},
        {"id": "c", "text": "Leave her to rest until she asks", "technique": "rejecting", "rationale": R2},
    ]
    case[0]["items"][0]["options"][1]["text"] = "Offer her a night light and leave the door ajar tonight"
    found = messages(lint_paths([write(tmp_path, case_studies=case)]))
    assert "cs-1" in found and "states the key of cs-2" in found


def _opts(*texts):
    return [{"id": chr(97 + i), "text": t, "technique": "empathy" if i == 0 else "why-question", "rationale": R2}
            for i, t in enumerate(texts)]


@pytest.mark.parametrize("texts, odd, feature", [
    (('"That sounds like a hard day."', '"Things will get better."', '"Why was it terrible?"',
      '"Let us talk about something else"'), "d", "final punctuation"),
    (('"That sounds like a hard day."', '"Things will get better."', "Why was it terrible?",
      '"Let us talk about something else."'), "c", "quotation marks"),
])
def test_option_that_differs_in_form_from_the_rest_is_a_warning(tmp_path, texts, odd, feature):
    problems = lint_paths([write(tmp_path, [mc(options=_opts(*texts))])])
    assert any(f"option(s) {odd} differ from the rest in {feature}" in p.message
               and p.level == "warning" for p in problems), messages(problems)


def test_blank_option_that_differs_in_form_is_a_warning(tmp_path):
    blank = {"id": "b1", "key": "a", "options": _opts("name the feeling", "reassure her", "change the subject.")}
    item = mc(type="dropdown_cloze", text="The nurse should {{b1}}.", blanks=[blank])
    del item["options"], item["key"]
    problems = lint_paths([write(tmp_path, [item])])
    assert any("option(s) c in blank b1 differ from the rest in final punctuation" in p.message
               for p in problems), messages(problems)


@pytest.mark.parametrize("texts", [
    # every option agrees; a question mark and a period both end a sentence
    ('"That sounds like a hard day."', '"Things will get better."', '"Why was it terrible?"'),
    # half and half is a style, not an odd one out
    ('"That sounds like a hard day."', "Sit with the client quietly.", '"Why was it terrible?"',
     "Call the provider."),
])
def test_options_that_agree_in_form_pass(tmp_path, texts):
    problems = lint_paths([write(tmp_path, [mc(options=_opts(*texts))])])
    assert not any("differ from the rest" in p.message for p in problems), messages(problems)
