"""Every RAPPORT_* variable that config/ reads is in the README's settings table."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Development switches, documented where they are used rather than in the operator's table.
NOT_FOR_OPERATORS = {"RAPPORT_DEBUG", "RAPPORT_TEST_PG"}


def test_every_setting_is_in_the_readme_table():
    read = set()
    for path in (ROOT / "config").glob("*.py"):
        read |= set(re.findall(r"RAPPORT_[A-Z_]+", path.read_text()))
    table = set(re.findall(r"^\| `(RAPPORT_[A-Z_]+)` \|", (ROOT / "README.md").read_text(), re.M))
    missing = sorted(read - table - NOT_FOR_OPERATORS)
    assert not missing, f"add these to the settings table in README.md: {missing}"
