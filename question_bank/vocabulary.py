"""Controlled vocabularies for item tags (see ITEM_WRITING.md and FORMAT.md)."""

TOPICS = (
    "alliance-foundations",
    "client-perspective",
    "active-listening",
    "empathy",
    "validation",
    "therapeutic-techniques",
    "nontherapeutic-responses",
    "relationship-phases",
    "boundaries-and-structure",
    "alliance-ruptures",
    "special-situations",
    "trauma-informed-care",
)

CLIENT_NEEDS = (
    "psychosocial-integrity",
    "safe-effective-care",
    "health-promotion",
    "physiological-integrity",
)

CJMM_SKILLS = (
    "recognize-cues",
    "analyze-cues",
    "prioritize-hypotheses",
    "generate-solutions",
    "take-action",
    "evaluate-outcomes",
)

BLOOM_LEVELS = ("remember", "understand", "application", "analysis", "evaluation", "create")

DIFFICULTIES = ("easy", "medium", "hard")


def _t(label, review):
    return {"therapeutic": True, "label": label, "review": review}


def _n(label, review):
    return {"therapeutic": False, "label": label, "review": review}


# technique tag -> therapeutic?, human label, and what a student who chose it should review
# (a technique tag or a topic tag).
TECHNIQUES = {
    "validation": _t("Validation", "validation"),
    "reflection": _t("Reflection", "therapeutic-techniques"),
    "restating": _t("Restating", "therapeutic-techniques"),
    "clarifying": _t("Clarifying", "therapeutic-techniques"),
    "open-ended-question": _t("Open-ended question", "therapeutic-techniques"),
    "focusing": _t("Focusing", "therapeutic-techniques"),
    "summarizing": _t("Summarizing", "therapeutic-techniques"),
    "offering-self": _t("Offering self", "therapeutic-techniques"),
    "presenting-reality": _t("Presenting reality", "therapeutic-techniques"),
    "exploring": _t("Exploring", "therapeutic-techniques"),
    "silence": _t("Using silence", "active-listening"),
    "attending": _t("Attending", "active-listening"),
    "empathy": _t("Empathy", "empathy"),
    "active-listening": _t("Active listening", "active-listening"),
    "giving-information": _t("Giving information", "therapeutic-techniques"),
    "setting-limits": _t("Setting limits", "boundaries-and-structure"),
    "collaboration": _t("Collaboration", "alliance-foundations"),
    "acknowledging": _t("Acknowledging", "therapeutic-techniques"),
    "making-observations": _t("Making observations", "therapeutic-techniques"),
    "seeking-clarification": _t("Seeking clarification", "therapeutic-techniques"),
    "consistency": _t("Consistency", "boundaries-and-structure"),
    "boundary-maintenance": _t("Maintaining boundaries", "boundaries-and-structure"),
    "cultural-humility": _t("Cultural humility", "client-perspective"),
    "safety-first": _t("Safety first", "special-situations"),
    "trauma-informed": _t("Trauma-informed care", "special-situations"),
    "therapeutic-action": _t("Appropriate nursing action", "therapeutic-techniques"),
    # For cues, conditions and parameters (bow-tie, cloze) that are not communication.
    "accurate-assessment": _t("Accurate assessment", "special-situations"),
    "false-reassurance": _n("False reassurance", "validation"),
    "giving-advice": _n("Giving advice", "client-perspective"),
    "why-question": _n("\"Why\" question", "open-ended-question"),
    "approval": _n("Giving approval", "nontherapeutic-responses"),
    "disapproval": _n("Disapproval", "nontherapeutic-responses"),
    "changing-the-subject": _n("Changing the subject", "focusing"),
    "minimizing": _n("Minimizing", "validation"),
    "defending": _n("Defending", "validation"),
    "defensiveness": _n("Defensiveness", "alliance-ruptures"),
    "cliche": _n("Cliché", "empathy"),
    "probing": _n("Probing", "open-ended-question"),
    "sympathy": _n("Sympathy", "empathy"),
    "arguing": _n("Arguing", "presenting-reality"),
    "agreeing-with-delusion": _n("Agreeing with a delusion", "presenting-reality"),
    "closed-question": _n("Closed question", "open-ended-question"),
    "inappropriate-self-disclosure": _n("Inappropriate self-disclosure", "boundaries-and-structure"),
    "divided-attention": _n("Divided attention", "active-listening"),
    "belittling": _n("Belittling", "validation"),
    "stereotyping": _n("Stereotyping", "client-perspective"),
    "rejecting": _n("Rejecting", "alliance-foundations"),
    "dual-relationship": _n("Dual relationship", "boundaries-and-structure"),
    "boundary-violation": _n("Boundary violation", "boundaries-and-structure"),
    "premature-action": _n("Premature action", "therapeutic-techniques"),
    "ineffective-action": _n("Ineffective nursing action", "therapeutic-techniques"),
    "inaccurate-assessment": _n("Inaccurate assessment", "special-situations"),
    # Added with the distractor revision of December 2026, so that distractors can show more
    # than the stock of reassurance, advice and "why" questions.
    "interpreting": _n("Interpreting", "therapeutic-techniques"),
    "literal-response": _n("Literal response", "therapeutic-techniques"),
    "challenging": _n("Challenging", "presenting-reality"),
    "testing": _n("Testing", "therapeutic-techniques"),
    "wrong-moment": _n("Right technique, wrong moment", "special-situations"),
    "unrequested-information": _n("Information the client did not ask for", "client-perspective"),
}


def is_therapeutic(technique):
    """True/False for a known technique, None for an unknown one."""
    entry = TECHNIQUES.get(technique)
    return None if entry is None else entry["therapeutic"]
