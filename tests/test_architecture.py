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


def _module_graph(package: str) -> dict[str, set[str]]:
    """module -> the package's modules it imports, at module level or inside a function (a
    deferred import still ties the two modules together)."""
    names = {}
    for path in (ROOT / package).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph = {}
    for name, path in names.items():
        pkg = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        found = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                found |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(pkg[:len(pkg) - node.level + 1] + ([base] if base else []))
                found |= {base} | {f"{base}.{a.name}" for a in node.names}
        graph[name] = {m for m in found if m in names and m != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_services_import_one_another_without_cycles():
    """Each service module can be read (and changed) knowing only the ones below it: no service
    reaches back to one that imports it, not even through a deferred import in a function."""
    graph = _module_graph("lti_tool")
    services = {m: {w for w in ws if w.startswith("lti_tool.services.")}
                for m, ws in graph.items() if m.startswith("lti_tool.services.")}
    assert _cycles(services) == []



def test_question_bank_modules_import_one_another_without_cycles():
    """Within question_bank (formats, types, adaptive) too; a package's __init__ re-exporting its
    modules is no cycle."""
    graph = {m: {w for w in ws if not m.startswith(w + ".") and not w.startswith(m + ".")}
             for m, ws in _module_graph("question_bank").items()}
    assert _cycles(graph) == []
