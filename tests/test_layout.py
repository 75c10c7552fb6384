"""The architecture as the imports show it: nets -> visual -> ui -> app.py, one way, without cycles."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("nets", "visual", "ui", "app")              # each may import only itself and the ones before it
FORBIDDEN = {"nets": {"gradio", "plotly"}, "visual": {"gradio"}}   # third-party packages a layer must not use


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    files = [ROOT / "app.py", *[p for layer in LAYERS[:3] for p in (ROOT / layer).rglob("*.py")]]
    return {module_name(p): p for p in files}


def imported_names(path: Path) -> set[str]:
    """Every module path an import statement names, at module level or inside a function."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def import_graph() -> dict[str, set[str]]:
    """Project module -> the project modules it imports."""
    modules = project_modules()
    return {name: {n for n in imported_names(path) if n in modules and n != name}
            for name, path in modules.items()}


def layer_of(module: str) -> int:
    return LAYERS.index(module.split(".")[0])


def test_imports_flow_one_way():
    backwards = [f"{m} imports {d}" for m, deps in import_graph().items() for d in deps
                 if layer_of(d) > layer_of(m)]
    assert backwards == []


def test_lower_layers_use_no_ui_packages():
    wrong = [f"{name} imports {n}" for name, path in project_modules().items() if name != "app"
             for n in imported_names(path) if n.split(".")[0] in FORBIDDEN.get(name.split(".")[0], ())]
    assert wrong == []


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle as a list of modules, or [] (depth-first search with colours)."""
    state, stack = {}, []

    def visit(m):
        state[m] = "open"
        stack.append(m)
        for d in sorted(graph[m]):
            if state.get(d) == "open":
                return stack[stack.index(d):] + [d]
            if d not in state and (cycle := visit(d)):
                return cycle
        state[m] = "done"
        stack.pop()
        return []

    for m in sorted(graph):
        if m not in state and (cycle := visit(m)):
            return cycle
    return []


def test_no_import_cycle():
    assert find_cycle(import_graph()) == []


def test_the_cycle_finder_finds_cycles():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) == []


def ui_part(module: str) -> str:
    """ui's part a module belongs to: "common", a tab ("explorer", "builder_tab"), or "links"."""
    return module.split(".")[1] if module.startswith("ui.") else module


def test_ui_stands_on_three_floors():
    """ui/common/ imports no tab; a tab imports ui/common/ and itself, never another tab; ui/links.py, which wires
    links across tabs, is app.py's alone."""
    graph = import_graph()
    wrong = [f"{m} imports {d}" for m, deps in graph.items() if m.startswith("ui.") for d in deps
             if d.startswith("ui.") and ui_part(d) not in {"common", ui_part(m)} and ui_part(m) != "links"]
    wrong += [f"{m} imports ui.links" for m, deps in graph.items() if "ui.links" in deps and m != "app"]
    assert wrong == []
    tabs = {ui_part(m) for m in graph if m.startswith("ui.")} - {"common", "links", "ui"}
    assert {"explorer", "training", "network", "builder_tab", "lessons_tab"} <= tabs
