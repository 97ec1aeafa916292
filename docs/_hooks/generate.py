"""The generated content of the docs: small runs of minilogit whose results the pages show.

Each generator returns a `Result`: markdown to put where a page says `<!-- gen: NAME -->`, and
the figures (PNG bytes by site path) it drew. Runs are small so that the whole site builds in
well under a minute.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import importlib.util
import io
import os
import re
import shlex
import tempfile
import textwrap
import time
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
os.environ.setdefault("MPLBACKEND", "Agg")
# The examples read data files; keep their parsed-data cache out of the user's cache directory.
_CACHE = tempfile.TemporaryDirectory(prefix="minilogit-docs-cache-")
os.environ["MINILOGIT_CACHE_DIR"] = _CACHE.name


@dataclass
class Result:
    markdown: str
    files: dict[str, bytes] = field(default_factory=dict)


class CellError(Exception):
    """A `python exec` cell of a page raised."""


GENERATORS: dict[str, Callable[[], Result]] = {}


def generator(name: str) -> Callable:
    def register(fn: Callable[[], Result]) -> Callable[[], Result]:
        GENERATORS[name] = fn
        return fn

    return register


# -- shared helpers ----------------------------------------------------------------------------


def digits_task(digit: int = 1, seed: int = 0):
    """The embedded digits as "is it `digit`?", split 80/20 stratified and standardized."""
    import minilogit as ml

    train, test = ml.datasets.load_digits().one_vs_rest(digit).split(test_size=0.2, seed=seed)
    return train.standardized(), test.standardized(reference=train)


def png(fig) -> bytes:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def plots_function(name: str) -> Callable | None:
    """`minilogit.plots.<name>` when that module and function exist, else None."""
    if importlib.util.find_spec("minilogit.plots") is None:
        return None
    return getattr(importlib.import_module("minilogit.plots"), name, None)


def markdown_table(header: list[str], rows: list[list[str]], align: str | None = None) -> str:
    align = align or "l" + "r" * (len(header) - 1)
    marks = {"l": ":--", "r": "--:", "c": ":-:"}
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(marks[a] for a in align) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def figure(uri: str, alt: str, caption: str) -> str:
    """A figure with its caption (HTML: `backticks` in the caption become <code>)."""
    caption = re.sub(r"`([^`]+)`", r"<code>\1</code>", caption)
    return (
        f'<figure markdown="span">\n![{alt}]({uri})\n<figcaption>{caption}</figcaption>\n</figure>'
    )


# -- python exec cells -------------------------------------------------------------------------

CELL = re.compile(r"^```(python|console) exec\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def run_cli(argv: list[str]) -> tuple[int, str]:
    """Run `minilogit ARGV` in this process: its exit status and what it printed."""
    from minilogit.cli import main

    out = io.StringIO()
    showwarning = warnings.showwarning  # main() installs its own one-line printer
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            try:
                status = main(argv)
            except SystemExit as exc:  # argparse's --help and usage errors
                status = exc.code if isinstance(exc.code, int) else 1
    finally:
        warnings.showwarning = showwarning
    if status not in (0, 1):
        raise CellError(f"`minilogit {shlex.join(argv)}` exited {status}:\n{out.getvalue()}")
    return status, out.getvalue()


def _run_python(code: str, namespace: dict, number: int) -> str:
    out = io.StringIO()
    try:
        with (
            warnings.catch_warnings(record=True) as caught,
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(out),
        ):
            warnings.simplefilter("always")
            exec(compile(code, f"<cell {number}>", "exec"), namespace)
    except Exception:
        raise CellError(
            f"python exec cell {number} raised:\n{traceback.format_exc(limit=-3)}"
        ) from None
    shown = dict.fromkeys(f"{w.category.__name__}: {w.message}\n" for w in caught)  # once each
    text = out.getvalue() + "".join(shown)
    block = f"```python\n{code}```\n"
    if text.strip():
        block += f'\n```text title="Output"\n{text.rstrip()}\n```\n'
    return block


def _run_console(code: str) -> str:
    """Each `$ minilogit ...` line runs; its output follows it, as in a terminal."""
    lines = []
    for line in code.splitlines():
        if not line.startswith("$ minilogit"):
            raise CellError(f"console exec cells run only `$ minilogit ...` lines, got {line!r}")
        status, text = run_cli(shlex.split(line)[2:])
        lines += [line, text.rstrip()]
        if status:
            lines.append(f"$ echo $?\n{status}")
    return "```console\n" + "\n".join(x for x in lines if x) + "\n```\n"


def run_cells(markdown: str) -> str:
    """Run each `python exec` / `console exec` block of a page; show its output with it.

    The python cells of one page share a namespace and run in order, in a temporary folder.
    """
    namespace: dict = {"__name__": "__docs__"}
    pieces, last = [], 0
    with tempfile.TemporaryDirectory() as tmp, contextlib.chdir(tmp):
        for number, match in enumerate(CELL.finditer(markdown), start=1):
            kind, code = match.groups()
            block = _run_python(code, namespace, number) if kind == "python" else _run_console(code)
            pieces += [markdown[last : match.start()], block]
            last = match.end() + 1
    return "".join(pieces) + markdown[last:]


# -- figures and tables from training runs -----------------------------------------------------


@generator("cost-curve")
def cost_curve() -> Result:
    import minilogit as ml

    train, _ = digits_task()
    trainer = ml.Trainer(
        ml.Logistic(train.n), ml.losses.BinaryCrossEntropy(), ml.optim.GradientDescent(lr="auto")
    )
    history = trainer.fit(train.X, train.y, iterations=500, record_every=10)
    draw = plots_function("cost_curve")
    if draw is not None:
        fig = draw(history)
    else:
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(6, 3.4))
        its, costs = zip(*history.costs, strict=True)
        ax.plot(its, costs, "o-", ms=3)
        ax.set(xlabel="iteration", ylabel="cost J(w, b)", title="Gradient descent, lr = 1/L")
        ax.grid(alpha=0.3)
    return Result(
        figure(
            "figures/cost-curve.png",
            "cost against iteration",
            f"The cost of 'is it a 1?' on the embedded digits, recorded every 10 iterations: "
            f"{history.costs[0][1]:.4f} at the start, {history.final_cost:.4f} after "
            f"{history.iterations} steps of gradient descent with the safe step 1/L.",
        ),
        {"figures/cost-curve.png": png(fig)},
    )


@generator("digits-figure")
def digits_figure() -> Result:
    import matplotlib.pyplot as plt

    import minilogit as ml

    data = ml.datasets.load_digits()
    fig, axes = plt.subplots(2, 10, figsize=(8, 1.9))
    for label in range(10):
        rows = np.flatnonzero(data.y == label)[:2]
        for k, row in enumerate(rows):
            ax = axes[k, label]
            ax.imshow(data.X[row].reshape(data.image_shape), cmap="gray_r", vmin=0, vmax=16)
            ax.set_xticks([])
            ax.set_yticks([])
            if k == 0:
                ax.set_title(str(label), fontsize=9)
    counts = np.bincount(data.y, minlength=10)
    return Result(
        figure(
            "figures/digits.png",
            "sample digits",
            f"Two examples of each digit from the embedded data: {data.m:,} images of "
            f"{data.image_shape[0]}x{data.image_shape[1]} pixels with values 0..16, "
            f"{counts.min()} to {counts.max()} per digit.",
        ),
        {"figures/digits.png": png(fig)},
    )


@generator("weights-figure")
def weights_figure() -> Result:
    import matplotlib.pyplot as plt

    import minilogit as ml

    train, _ = digits_task()
    model = ml.Logistic(train.n)
    ml.Trainer(model, ml.losses.BinaryCrossEntropy(l2=0.01), ml.optim.GradientDescent("auto")).fit(
        train.X, train.y, iterations=300
    )
    w = model.params["w"].reshape(8, 8)
    fig, ax = plt.subplots(figsize=(3.2, 3))
    limit = np.abs(w).max()
    image = ax.imshow(w, cmap="RdBu_r", vmin=-limit, vmax=limit)
    ax.set(xticks=[], yticks=[], title="weights of 'is it a 1?'")
    fig.colorbar(image, ax=ax, shrink=0.8)
    return Result(
        figure(
            "figures/weights.png",
            "the weights drawn as an 8x8 image",
            "The trained weights in the images' own shape: red pixels vote for 'a 1', blue "
            "pixels against (300 steps, l2 = 0.01, standardized pixels).",
        ),
        {"figures/weights.png": png(fig)},
    )


def cli_with_figure(argv: list[str], name: str, alt: str, caption: str) -> Result:
    """`minilogit ARGV --plot FILE` shown as a terminal session, and the figure it drew."""
    with tempfile.TemporaryDirectory() as tmp:
        plot = Path(tmp) / f"{name}.png"
        _, text = run_cli([*argv, "--plot", str(plot)])
        image = plot.read_bytes()
    text = text.replace(str(plot), f"{name}.png")
    command = shlex.join(["minilogit", *argv, "--plot", f"{name}.png"])
    uri = f"figures/{name}.png"
    block = f"```console\n$ {command}\n{text.rstrip()}\n```\n\n"
    return Result(block + figure(uri, alt, caption), {uri: image})


@generator("sweep")
def sweep() -> Result:
    """The article's experiment, as `minilogit sweep` runs it today."""
    return cli_with_figure(
        ["sweep"],
        "sweep",
        "cost curves by learning rate",
        "The cost of each learning rate's run (left) and train/test accuracy along the way "
        "(right), drawn by the command above while this site was built.",
    )


@generator("sweep-raw")
def sweep_raw() -> Result:
    """The same grid on raw pixels (0..16), as the article would run it on these digits."""
    return cli_with_figure(
        ["sweep", "--scale", "none"],
        "sweep-raw",
        "cost curves by learning rate, raw pixels",
        "The same sweep on raw pixel values 0..16, unscaled, as the article feeds its data.",
    )


@generator("race")
def race() -> Result:
    """`minilogit compare` with every registered optimizer, as a user would run it."""
    import minilogit as ml

    return cli_with_figure(
        ["compare", "--optimizers", ",".join(ml.optim.OPTIMIZERS)],
        "race",
        "optimizer race",
        "Cost per iteration (left) and per millisecond (right) for every optimizer, drawn by "
        "the command above while this site was built.",
    )


def grade_cell(block: dict) -> str:
    return f"{block['analytic_vs_autodiff']:.1e} {block['analytic_vs_autodiff_grade']}"


@generator("mutations-table")
def mutations_table() -> Result:
    """`minilogit gradcheck --mutate BUG --json` for every mistake (binary loss)."""
    import json

    from minilogit.mutations import MUTATIONS

    rows = []
    for bug, line in MUTATIONS.items():
        status, text = run_cli(["gradcheck", "--mutate", bug, "--json"])
        blocks = json.loads(text)["blocks"]
        written = line.split(":")[0].strip()
        rows.append(
            [
                f"`{bug}`",
                f"`{written}`",
                *(grade_cell(blocks[k]) for k in ("b", "w")),
                str(status),
            ]
        )
    header = ["`--mutate`", "what was written", "error in `b`", "error in `w`", "exit status"]
    return Result(markdown_table(header, rows, "llrrc"))


@generator("error-bands")
def error_bands() -> Result:
    from minilogit.cli.gradcheck import BANDS

    rows, low = [], 0.0
    for bound, name, meaning in BANDS:
        span = (
            f"below {bound:.0e}"
            if low == 0
            else (f"{low:.0e} to {bound:.0e}" if np.isfinite(bound) else f"{low:.0e} or more")
        )
        rows.append([span, f"**{name}**", meaning])
        low = bound
    return Result(markdown_table(["relative error", "grade", "meaning"], rows, "lll"))


# -- reference pages generated from the code ---------------------------------------------------


@generator("cli-reference")
def cli_reference() -> Result:
    from minilogit.cli import build_parser

    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "80"  # what fits the page's width
    try:
        parser = build_parser()
        parts = ["```text", "$ minilogit --help", parser.format_help().rstrip(), "```"]
        sub = next(a for a in parser._actions if a.dest == "command")
        summaries = {a.dest: a.help for a in sub._choices_actions}
        for name, command in sub.choices.items():
            parts += [
                f"\n## `minilogit {name}` {{ #{name} }}\n",
                f"{(summaries.get(name) or '').capitalize()}.\n",
                "```text",
                f"$ minilogit {name} --help",
                command.format_help().rstrip(),
                "```",
            ]
    finally:
        if old is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = old
    return Result("\n".join(parts))


#: Modules of the API reference, in reading order; those not (yet) in the package are left out.
#: A package is shown as its own docstring and definitions, then each public submodule.
API_MODULES = (
    (
        "Data",
        (
            "minilogit.data",
            "minilogit.workbook",
            "minilogit.formats",
            "minilogit.cache",
            "minilogit.datasets",
        ),
    ),
    ("Models", ("minilogit.models", "minilogit.multiclass")),
    ("Losses and gradients", ("minilogit.losses", "minilogit.gradients", "minilogit.objective")),
    ("Optimizers", ("minilogit.optim",)),
    (
        "Training",
        ("minilogit.train", "minilogit.stream", "minilogit.jax_backend", "minilogit.metrics"),
    ),
    (
        "Saving, statistics, scikit-learn",
        ("minilogit.persist", "minilogit.stats", "minilogit.sklearn"),
    ),
    ("Plots", ("minilogit.plots",)),
    ("Teaching", ("minilogit.classic", "minilogit.mutations")),
    ("Errors and warnings", ("minilogit.errors",)),
    ("Command line", ("minilogit.cli",)),
)
#: Submodules shown first, in this order; the rest follow alphabetically.
SUBMODULE_ORDER = ("base", "first_order", "adaptive", "newton", "lbfgs", "line_search", "schedules")


def _exists(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def own_names(path: Path) -> list[str]:
    """Public names a module file defines itself (not those it imports), in source order."""
    names = []
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, ast.Assign):
            names += [t.id for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.append(node.target.id)
    return [n for n in names if not n.startswith("_")]


def public_submodules(package: str) -> list[str]:
    """The package's public submodules, `SUBMODULE_ORDER` first (not the CLI's commands)."""
    if package == "minilogit.cli":
        return []
    spec = importlib.util.find_spec(package)
    folder = Path(spec.origin).parent
    names = sorted(p.stem for p in folder.glob("*.py") if not p.stem.startswith("_"))
    order = {name: i for i, name in enumerate(SUBMODULE_ORDER)}
    return [f"{package}.{n}" for n in sorted(names, key=lambda n: (order.get(n, 99), n))]


def api_entries() -> list[tuple[str, list[tuple[str, list[str] | None]]]]:
    """`(section title, [(module, members or None for all public)])` for what exists now.

    Public modules missing from `API_MODULES` land in a last section, so none is ever left out.
    """
    listed = {m for _, modules in API_MODULES for m in modules}
    package = ROOT / "minilogit"
    unlisted = tuple(
        f"minilogit.{p.stem if p.suffix else p.name}"
        for p in sorted(package.iterdir())
        if not p.name.startswith("_")
        and (p.suffix == ".py" or (p / "__init__.py").is_file())
        and f"minilogit.{p.stem if p.suffix else p.name}" not in listed
    )
    sections = []
    for title, modules in (*API_MODULES, ("More modules", unlisted)):
        entries = []
        for module in filter(_exists, modules):
            origin = Path(importlib.util.find_spec(module).origin)
            if origin.name == "__init__.py":
                entries.append((module, own_names(origin)))
                entries += [(sub, None) for sub in public_submodules(module)]
            else:
                entries.append((module, None))
        if entries:
            sections.append((title, entries))
    return sections


def reexports() -> dict[str, str]:
    """`{"minilogit.Trainer": "minilogit.train.Trainer", ...}` for every package's `__all__`."""
    found = {}
    packages = ["minilogit"] + [
        module for _, entries in api_entries() for module, members in entries if members is not None
    ]
    for package in packages:
        mod = importlib.import_module(package)
        for name in getattr(mod, "__all__", ()):
            obj = getattr(mod, name)
            if callable(obj) and hasattr(obj, "__qualname__"):
                canonical = f"{obj.__module__}.{obj.__qualname__}"
                if canonical != f"{package}.{name}":
                    found[f"{package}.{name}"] = canonical
    return found


@generator("api-reference")
def api_reference() -> Result:
    parts = []
    for title, entries in api_entries():
        parts.append(f"## {title}\n")
        for module, members in entries:
            options = ["    options:", "      heading_level: 3"]
            if members is not None:
                options.append(f"      members: {members!r}")
            parts.append(f"::: {module}\n" + "\n".join(options) + "\n")
    return Result("\n".join(parts))


@generator("top-level-names")
def top_level_names() -> Result:
    """A table of `minilogit.__all__`, each name linked to its documentation."""
    import minilogit as ml

    rows = []
    for name in ml.__all__:
        if name.startswith("__"):
            continue
        obj = getattr(ml, name)
        kind = "module" if isinstance(obj, type(ml)) else type(obj).__name__
        if kind == "type":
            kind = "class"
        target = obj.__name__ if kind == "module" else f"{obj.__module__}.{obj.__qualname__}"
        doc = (obj.__doc__ or "").strip().splitlines()[0] if obj.__doc__ else ""
        rows.append([f"[`{name}`][{target}]", kind, doc.replace("|", "\\|")])
    order = {"class": 0, "function": 1, "module": 2}
    rows.sort(key=lambda row: (order.get(row[1], 3), row[0].lower()))
    return Result(markdown_table(["name", "kind", "what it is"], rows, "lll"))


def _test_functions(tree: ast.Module) -> list[tuple[str, ast.AST]]:
    found = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
            found.append((node.name, node))
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            found += [
                (f"{node.name}.{item.name}", item)
                for item in node.body
                if isinstance(item, ast.FunctionDef) and item.name.startswith("test")
            ]
    return found


def anchor_of_test(module: str, test: str) -> str:
    return f"{module}-{test.replace('.', '-')}"


@generator("tests-page")
def tests_page() -> Result:
    """Every test module's tests, one anchor per test: `#<module>-<test>`."""
    parts = []
    for path in sorted((ROOT / "tests").glob("test_*.py")):
        source = path.read_text()
        lines = source.splitlines()
        tree = ast.parse(source)
        module = path.stem
        parts.append(f"## `{path.name}` {{ #{module} }}\n")
        doc = ast.get_docstring(tree)
        if doc:
            parts.append(doc.strip() + "\n")
        for name, node in _test_functions(tree):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            code = textwrap.dedent("\n".join(lines[first - 1 : node.end_lineno]))
            parts += [
                f"#### `{name}` {{ #{anchor_of_test(module, name)} }}\n",
                f'```python title="tests/{path.name}, line {first}"',
                code,
                "```\n",
            ]
    return Result("\n".join(parts))


@generator("benchmarks-list")
def benchmarks_list() -> Result:
    rows = []
    for path in sorted((ROOT / "benchmarks").glob("*.py")):
        doc = ast.get_docstring(ast.parse(path.read_text())) or ""
        summary = doc.strip().split("\n\n")[0].replace("\n", " ").replace("|", "\\|")
        rows.append([f"`python benchmarks/{path.name}`", summary])
    if not rows:
        return Result("*No benchmark scripts yet.*")
    return Result(markdown_table(["command", "what it measures"], rows, "ll"))


@generator("step-timing")
def step_timing() -> Result:
    """Milliseconds per gradient-descent step on the embedded digits, measured at build time."""
    import minilogit as ml

    train, _ = digits_task()
    X, y = train.X, train.y.astype(np.float64)
    Xt, Y = X.T, y[None, :]

    def article_step(w: np.ndarray, b: float) -> tuple[np.ndarray, float]:
        m = Xt.shape[1]
        A = 1 / (1 + np.exp(-(np.dot(w.T, Xt) + b)))
        cost = -1 / m * np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))
        dw = 1 / m * np.dot(Xt, (A - Y).T)
        db = 1 / m * np.sum(A - Y)
        return w - 0.005 * dw, b - 0.005 * db + 0 * cost

    def time_it(fn: Callable[[], object], repeat: int = 200) -> float:
        fn()
        start = time.perf_counter()
        for _ in range(repeat):
            fn()
        return 1000 * (time.perf_counter() - start) / repeat

    w0 = np.zeros((X.shape[1], 1))
    article = time_it(lambda: article_step(w0, 0.0))
    loss = ml.losses.BinaryCrossEntropy()
    params = {"w": np.zeros(X.shape[1]), "b": np.zeros(())}
    step = ml.optim.GradientDescent(lr=0.005)
    state = step.init(params)

    def our_step() -> object:
        _, grads = loss.value_and_grad(params, X, y)
        return step.update(params, grads, state)

    ours = time_it(our_step)
    rows = [
        ["the article's loop body: cost, gradient, update", f"{article:.3f}", "1.00"],
        [
            "`BinaryCrossEntropy.value_and_grad`, then `GradientDescent.update`",
            f"{ours:.3f}",
            f"{ours / article:.2f}",
        ],
    ]
    return Result(
        markdown_table(["one gradient step, embedded digits", "ms", "ratio"], rows)
        + f"\n\nMeasured while this site was built ({X.shape[0]} x {X.shape[1]}, float64)."
    )
