"""The dependency rules of DESIGN.md, checked on the import statements themselves."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def imports(package: str):
    for path in (ROOT / package).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    yield path, a.name
            elif isinstance(node, ast.ImportFrom):
                mod = node.module or ""
                if node.level:  # resolve relative imports against the file's package
                    parts = list(path.relative_to(ROOT).with_suffix("").parts)[:-node.level]
                    mod = ".".join(parts + ([mod] if mod else []))
                yield path, mod


def test_question_bank_is_pure():
    bad = [(str(p), m) for p, m in imports("question_bank")
           if m.split(".")[0] in {"flask", "flask_sqlalchemy", "sqlalchemy", "pylti1p3", "lti_tool", "werkzeug"}]
    assert bad == []


def test_only_lti_package_touches_pylti1p3():
    bad = [(str(p), m) for p, m in imports("lti_tool")
           if m.startswith("pylti1p3") and "lti_tool/lti/" not in str(p)]
    assert bad == []


def test_only_config_reads_the_environment():
    offenders = []
    for package in ("lti_tool", "question_bank"):
        for path in (ROOT / package).rglob("*.py"):
            text = path.read_text()
            if "os.environ" in text or "getenv(" in text:
                offenders.append(str(path))
    assert offenders == []


def test_layers_point_one_way():
    """models know nothing above them; services never import views; question_bank never imports the app."""
    rules = {
        "lti_tool/models/": ("lti_tool.services", "lti_tool.blueprints", "lti_tool.lti"),
        "lti_tool/services/": ("lti_tool.blueprints",),
        "lti_tool/lti/": ("lti_tool.blueprints", "lti_tool.services"),
    }
    bad = []
    for p, m in imports("lti_tool"):
        for folder, forbidden in rules.items():
            if folder in str(p) and m.startswith(forbidden):
                bad.append((str(p.relative_to(ROOT)), m))
    assert bad == []
