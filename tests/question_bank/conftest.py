import random
from pathlib import Path

import pytest

from question_bank.bank import load_bank

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def fixture_bank():
    bank = load_bank([FIXTURES / "bank.yaml"], strict=True)
    return bank


@pytest.fixture
def rng():
    return random.Random(1234)
