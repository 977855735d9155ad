"""Paths and helpers shared by the format tests (imported by name, not as conftest)."""
import io
import zipfile
from pathlib import Path

import pytest
import yaml

SAMPLES = Path(__file__).parent / "samples"
FIXTURES = Path(__file__).parents[2] / "fixtures" / "question-banks"


def zip_dir(path: Path) -> bytes:
    """A content package from a fixture directory (kept unzipped in the repo to be readable)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for p in sorted(path.rglob("*")):
            if p.is_file():
                z.write(p, p.relative_to(path).as_posix())
    return buf.getvalue()


_RT = yaml.safe_load((SAMPLES / "roundtrip_items.yaml").read_text())


@pytest.fixture
def roundtrip_items():
    return [dict(d) for d in _RT["items"]]


@pytest.fixture
def roundtrip_case():
    """(case study as export_items takes it, its items)."""
    cs = _RT["case_studies"][0]
    return {k: v for k, v in cs.items() if k != "items"} | {"items": [d["id"] for d in cs["items"]]}, \
        [dict(d) for d in cs["items"]]
