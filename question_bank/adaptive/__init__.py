"""Adaptive practice: Rasch calibration, ability estimation, next-unit choice, stopping.

Pure domain code (numpy, scipy and girth; never Flask or SQLAlchemy):

- `calibration.calibrate(responses, labels)`: item difficulty on a logit scale from graded
  responses (girth's Rasch joint maximum likelihood), combined with the item's difficulty
  label as a normal prior, with a standard error and infit/outfit mean squares per item.
- `ability.estimate(answers)`: the student's ability (girth's expected a posteriori
  estimate) with its standard error.
- `cat.next_unit(...)`: maximum information at the current ability within the blueprint's
  topic shares and item families, randomesque among the best few (exposure control); a case
  study is one unit. `cat.stop_reason(...)`: standard error below a target, or maximum length.
- `mastery.band(...)`: likely mastered / borderline / needs practice, with one sentence.

See docs/adaptive.md.
"""
from .ability import Ability, estimate, estimate_many, information, p_correct
from .calibration import (LABEL_PRIOR, PRIOR_SD, CalibratedItem, Calibration, GradedResponse, calibrate,
                          difficulty_of, is_correct)
from .cat import CatSettings, Unit, build_units, next_unit, stop_reason
from .mastery import Band, band, topic_abilities, topic_abilities_many

__all__ = ["Ability", "estimate", "estimate_many", "topic_abilities_many", "information", "p_correct", "LABEL_PRIOR", "PRIOR_SD", "CalibratedItem",
           "Calibration", "GradedResponse", "calibrate", "difficulty_of", "is_correct", "CatSettings", "Unit",
           "build_units", "next_unit", "stop_reason", "Band", "band", "topic_abilities"]
