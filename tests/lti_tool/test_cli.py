"""The rapport command line, run as a real subprocess where it matters."""
import os
import subprocess
import sys

import pytest

RAPPORT = [sys.executable, "-m", "lti_tool.cli"]


def run(args, tmp_path, **env):
    e = dict(os.environ, RAPPORT_INSTANCE_PATH=str(tmp_path), **env)
    e.pop("RAPPORT_DATABASE_URL", None)
    return subprocess.run(RAPPORT + args, capture_output=True, text=True, env=e, timeout=120)


@pytest.mark.parametrize("args", [
    ["platform", "add", "--issuer", "x"],
    ["platform", "add", "--issuer", "https://x", "--client-id", "c", "--auth-login-url", "nope",
     "--auth-token-url", "https://x/t", "--key-set-url", "https://x/k", "--deployment-id", "1"],
    ["serve", "--port", "notaport"],
    ["nosuchcommand"],
    ["bank", "import", "missing.xml", "--format", "moodle-xml"],
])
def test_bad_arguments_give_one_line_and_exit_2(args, tmp_path):
    r = run(args, tmp_path)
    assert r.returncode == 2, r.stderr
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("rapport: error:"), r.stderr


def test_db_upgrade_platform_add_and_list(tmp_path):
    r = run(["db", "upgrade"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert "database at head" in r.stdout
    assert (tmp_path / "secret_key").exists()
    r = run(["platform", "add", "--issuer", "https://canvas.instructure.com", "--client-id", "170000000000571",
             "--auth-login-url", "https://sso.canvaslms.com/api/lti/authorize_redirect",
             "--auth-token-url", "https://sso.canvaslms.com/login/oauth2/token",
             "--key-set-url", "https://sso.canvaslms.com/api/lti/security/jwks",
             "--deployment-id", "93118:abc", "--deployment-id", "93118:def"], tmp_path)
    assert r.returncode == 0, r.stderr
    # the same issuer with a second client_id (a second Canvas developer key)
    r = run(["platform", "add", "--issuer", "https://canvas.instructure.com", "--client-id", "170000000000999",
             "--auth-login-url", "https://sso.canvaslms.com/a", "--auth-token-url", "https://sso.canvaslms.com/t",
             "--key-set-url", "https://sso.canvaslms.com/k", "--deployment-id", "1:x"], tmp_path)
    assert r.returncode == 0, r.stderr
    out = run(["platform", "list"], tmp_path).stdout
    assert "170000000000571" in out and "170000000000999" in out and "93118:def" in out
    again = run(["db", "upgrade"], tmp_path)
    assert "0 item versions added" in again.stdout


def test_bank_lint_passes_on_the_bundled_bank_and_fails_on_a_bad_file(tmp_path):
    assert run(["bank", "lint"], tmp_path).returncode == 0
    assert run(["bank", "lint", "--strict"], tmp_path).returncode == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text("items:\n  - id: x-1\n    version: 1\n    type: multiple_choice\n    topic: nope\n")
    r = run(["bank", "lint", str(bad)], tmp_path)
    assert r.returncode == 1 and f"{bad}:2: x-1:" in r.stdout + r.stderr


def test_bank_import_and_export_round_trip(tmp_path):
    assert run(["db", "upgrade"], tmp_path).returncode == 0
    out = tmp_path / "bank.xml"
    r = run(["bank", "export", "--format", "moodle-xml", str(out), "--collection", "bundled"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert out.stat().st_size > 10000
    import re
    exported = int(re.search(r"exported (\d+) items", r.stdout).group(1))
    assert exported > 100 and "(case study)" in r.stdout and "(bowtie): skipped" in r.stdout
    sample = os.path.join(os.path.dirname(__file__), "..", "question_bank", "formats", "samples")
    r = run(["bank", "import", os.path.join(sample, "moodle_basic.xml"), "--format", "moodle-xml",
             "--collection", "unit3", "--topic", "validation"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert "into collection 'unit3'" in r.stdout
    # the export imports into a fresh instance as its own collection
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    assert run(["db", "upgrade"], fresh).returncode == 0
    r = run(["bank", "import", str(out), "--format", "moodle-xml", "--collection", "from-export"], fresh)
    assert r.returncode == 0, r.stderr
    # identical content (whitespace reflow aside) is recognised, not refused as a silent edit
    assert "imported 0 items" in r.stdout and f"({exported} already present)" in r.stdout


def test_import_of_a_malformed_file_names_line_and_imports_nothing(tmp_path):
    assert run(["db", "upgrade"], tmp_path).returncode == 0
    bad = tmp_path / "broken.xml"
    bad.write_text('<?xml version="1.0"?>\n<quiz>\n<question type="multichoice">\n<name><text>Q</text></name>\n</quiz>\n')
    r = run(["bank", "import", str(bad), "--format", "moodle-xml"], tmp_path)
    assert r.returncode == 1 and "nothing imported" in r.stderr and "broken.xml:" in r.stderr
