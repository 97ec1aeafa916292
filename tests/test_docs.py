"""The documentation site: it builds with no warning, works with no network, and its links hold.

The site is built once (`mkdocs build --strict`, which also runs every generated example and
figure of the docs) into a temporary folder. The math is typeset by JavaScript, so the
Derivations and API pages are opened in a real headless browser, Debian's chromium, with every
host name made unresolvable: what renders there renders offline.
"""

from __future__ import annotations

import ast
import html
import json
import os
import re
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)


class Page(HTMLParser):
    """The ids, links and loaded resources of one HTML file."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.resources: list[tuple[str, str]] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a" and "name" in a:
            self.ids.add(a["name"])
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        if tag in ("script", "img", "iframe") and "src" in a:
            self.resources.append((tag, a["src"]))
        if tag == "link" and "href" in a:
            self.resources.append((tag, a["href"]))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "MPLBACKEND": "Agg"}
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    log = done.stdout + done.stderr
    if done.returncode != 0:
        pytest.fail(f"mkdocs build --strict failed (exit {done.returncode}):\n{log}")
    warnings = [line for line in log.splitlines() if re.match(r"\s*(WARNING|ERROR)\b", line)]
    assert not warnings, "\n".join(warnings)
    return out


def html_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def page(site: Path, name: str) -> Path:
    path = site / name / "index.html"
    assert path.is_file(), f"{name} page missing from the site"
    return path


def browser_dom(path: Path) -> str:
    """The page's DOM after its scripts ran in headless chromium, with no host resolvable."""
    if not CHROMIUM.is_file():
        pytest.fail(
            f"{CHROMIUM} is missing: the docs test needs Debian's chromium "
            "(apt-get install -y chromium; .ci/run installs it)"
        )
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [
                str(CHROMIUM),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
                "--host-resolver-rules=MAP * ~NOTFOUND",
                f"--user-data-dir={profile}",
                "--virtual-time-budget=15000",
                "--dump-dom",
                path.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
    assert done.returncode == 0, done.stderr
    assert "</html>" in done.stdout, f"chromium printed no DOM:\n{done.stderr}"
    return done.stdout


def test_every_page_loads_scripts_styles_and_images_from_the_site_only(site: Path) -> None:
    pages = html_pages(site)
    assert len(pages) >= 12
    for path in pages:
        for tag, url in Page(path.read_text()).resources:
            assert not EXTERNAL.match(url), f"{path.relative_to(site)}: <{tag}> loads {url}"
    for sheet in site.rglob("*.css"):
        imports = re.findall(
            r"(?:@import|url\()\s*['\"]?((?:https?:)?//[^'\")\s]+)", sheet.read_text()
        )
        assert not imports, f"{sheet.relative_to(site)} loads {imports}"


def test_no_third_party_javascript_or_fonts_are_committed() -> None:
    tracked = subprocess.run(
        ["git", "ls-files", "docs"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.split()
    if not tracked:  # not a git checkout (e.g. an sdist): nothing to check
        return
    vendored = [
        name
        for name in tracked
        if name.endswith((".woff", ".woff2", ".ttf", ".otf", ".min.js"))
        or "katex" in name.lower()
        or "node_modules" in name
    ]
    assert not vendored, vendored


def test_every_internal_link_of_every_page_resolves(site: Path) -> None:
    # 404.html is served from wherever the error happens, so its links are absolute: not checked
    parsed = {p: Page(p.read_text()) for p in html_pages(site) if p.name != "404.html"}
    broken = []
    for path, parsed_page in parsed.items():
        for href in parsed_page.links:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or href.startswith(("mailto:", "javascript:")):
                continue
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{path.relative_to(site)}: {href} (no such file)")
            elif parts.fragment and target.suffix == ".html":
                ids = parsed[target].ids if target in parsed else Page(target.read_text()).ids
                if unquote(parts.fragment) not in ids:
                    broken.append(f"{path.relative_to(site)}: {href} (no such anchor)")
    assert not broken, "\n".join(broken)


def test_each_derivation_links_its_implementation_and_its_test(site: Path) -> None:
    html = page(site, "derivations").read_text()
    article = html[html.index("<article") : html.index("</article>")]
    sections = re.split(r"<h2 ", article)[1:]
    assert len(sections) >= 8
    for section in sections:
        title = re.sub(r"<[^>]+>", "", section[section.index(">") + 1 : section.index("</h2>")])
        links = re.findall(r'href="([^"]+)"', section)
        assert any(re.match(r"\.\./api/#minilogit\.", h) for h in links), f"{title}: no API link"
        assert any(re.match(r"\.\./tests/#test_", h) for h in links), f"{title}: no test link"


def test_derivations_math_is_typeset_in_the_browser(site: Path) -> None:
    path = page(site, "derivations")
    expected = path.read_text().count('class="arithmatex"')
    assert expected >= 50
    dom = browser_dom(path)
    typeset = len(re.findall(r'class="katex"', dom))
    assert typeset == expected, f"{typeset} of {expected} formulas typeset"
    assert "katex-error" not in dom
    text = re.sub(r"<annotation[^>]*>.*?</annotation>", "", dom, flags=re.DOTALL)
    text = re.sub(r"<[^>]+>", "", text)
    assert "\\(" not in text and "\\[" not in text, "raw TeX left on the page"


KATEX_CHECK = """
const katex = require(process.argv[1]);
const errors = [];
for (const [where, tex, display] of JSON.parse(require("fs").readFileSync(0, "utf8"))) {
  try {
    katex.renderToString(tex, {displayMode: display, throwOnError: true, strict: "error"});
  } catch (e) {
    errors.push(where + ": " + e.message);
  }
}
console.log(JSON.stringify(errors));
"""


def test_every_formula_on_the_site_is_valid_katex(site: Path) -> None:
    """The browser shows a bad formula in red instead of failing: parse them all strictly."""
    formulas = []
    pattern = re.compile(r'<(span|div) class="arithmatex">(.*?)</\1>', re.DOTALL)
    for path in html_pages(site):
        for tag, body in pattern.findall(path.read_text()):
            tex = html.unescape(body).strip()[2:-2]  # drop \( \) or \[ \]
            formulas.append([str(path.relative_to(site)), tex, tag == "div"])
    assert len(formulas) > 200
    done = subprocess.run(
        ["node", "-e", KATEX_CHECK, str(ROOT / "docs" / "node_modules" / "katex")],
        input=json.dumps(formulas),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


def canonical_id(obj: object) -> str:
    return f"{obj.__module__}.{obj.__qualname__}"


def test_api_page_lists_the_main_names_in_the_browser(site: Path) -> None:
    import minilogit as ml

    dom = browser_dom(page(site, "api"))
    ids = Page(dom).ids
    for obj in (ml.Trainer, ml.losses.BinaryCrossEntropy, ml.optim.Adam, ml.read_workbook):
        assert canonical_id(obj) in ids, f"{obj.__qualname__} missing from the API page"
    assert "katex-error" not in dom
    assert len(re.findall(r'class="katex"', dom)) > 20


def public_names(path: Path) -> list[str]:
    """`__all__` of a module file if it has one, else the public names it defines."""
    tree = ast.parse(path.read_text())
    names = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            return [n for n in ast.literal_eval(node.value) if not n.startswith("__")]
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, ast.Assign):
            names += [t.id for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.append(node.target.id)
    return [n for n in names if not n.startswith("_")]


def public_modules() -> list[tuple[str, Path]]:
    package = ROOT / "minilogit"
    found = []
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        command = parts[:2] == ("minilogit", "cli") and len(parts) > 2
        if command or any(p.startswith("_") for p in parts):
            continue  # private modules, and the CLI's commands (documented on the CLI page)
        found.append((".".join(parts), path))
    return found


def test_api_page_documents_every_public_name(site: Path) -> None:
    ids = Page(page(site, "api").read_text()).ids
    missing = []
    for module, path in public_modules():
        if module not in ids:
            missing.append(module)
            continue
        for name in public_names(path):
            if not any(
                i == f"{module}.{name}" or (i.startswith("minilogit.") and i.endswith(f".{name}"))
                for i in ids
            ):
                missing.append(f"{module}.{name}")
    assert not missing, f"not on the API page: {missing}"


def test_cli_reference_shows_every_command(site: Path) -> None:
    from minilogit.cli import build_parser

    commands = next(a for a in build_parser()._actions if a.dest == "command").choices
    ids = Page(page(site, "cli").read_text()).ids
    assert len(commands) >= 5
    assert [c for c in commands if c not in ids] == []


def test_every_command_the_pages_show_is_accepted_by_the_cli() -> None:
    """The `minilogit ...` lines of the pages' shell examples parse (they are not all run)."""
    import shlex

    from minilogit.cli import build_parser

    parser = build_parser()
    commands = []
    for md in sorted((ROOT / "docs").glob("*.md")):
        text = md.read_text()
        blocks = re.findall(r"^```bash\n(.*?)^```", text, re.MULTILINE | re.DOTALL)
        lines = [line for block in blocks for line in block.splitlines()]
        # inline code with options (a bare `minilogit sweep` names the command, no more)
        lines += re.findall(r"`(minilogit [\w-]+ [^`]+)`", text)
        for part in (p.strip() for line in lines for p in line.split("&&")):
            if part.startswith("minilogit "):
                commands.append((md.name, shlex.split(part)[1:]))
    assert len(commands) >= 6
    for name, argv in commands:
        try:
            assert parser.parse_args(argv).command
        except SystemExit:
            pytest.fail(f"{name}: `minilogit {shlex.join(argv)}` is refused by the CLI")


def test_tests_page_shows_every_test_with_an_anchor(site: Path) -> None:
    ids = Page(page(site, "tests").read_text()).ids
    assert "test_docs-test_tests_page_shows_every_test_with_an_anchor" in ids
    for path in sorted((ROOT / "tests").glob("test_*.py")):
        assert path.stem in ids, f"{path.name} missing from the Tests page"


def test_generated_figures_are_in_the_site(site: Path) -> None:
    figures = sorted((site / "figures").glob("*.png"))
    assert {"cost-curve.png", "race.png", "sweep.png"} <= {f.name for f in figures}
    for figure in figures:
        assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert figure.stat().st_size > 5_000
