"""mkdocs hooks: every number, table and figure on the site is made from the code at build time.

Pages ask for generated content in two ways:

* a line `<!-- gen: NAME -->` is replaced by the markdown of generator `NAME` (see
  `generate.GENERATORS`); figures the generators draw are added to the site as `figures/*.png`;
* a fenced block opened with ```` ```python exec ```` is run (the cells of one page share a
  namespace, in order) and its printed output is shown under it.

A generator or a cell that fails stops the build, so nothing on the site can go stale silently.
The hook also copies KaTeX (installed by npm from `docs/package.json` into the git-ignored
`docs/node_modules`) into the site, so math renders with no network.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import generate  # docs/_hooks is on sys.path while mkdocs loads this file
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

DOCS = Path(__file__).resolve().parent.parent
KATEX_DIST = DOCS / "node_modules" / "katex" / "dist"
KATEX_FILES = ("katex.min.js", "katex.min.css")
DIRECTIVE = re.compile(r"^<!-- gen: ([a-z0-9-]+) -->$", re.MULTILINE)

_outputs: dict[str, str] = {}


def _ensure_katex() -> Path:
    """KaTeX's browser files, installing them with npm (from the lock file) when missing."""
    if not (KATEX_DIST / "katex.min.js").is_file():
        npm = shutil.which("npm")
        if npm is None:
            raise PluginError(
                "KaTeX is not installed and npm is missing: install Node.js and npm, then run "
                "`npm ci --prefix docs` (the site renders math with no network)"
            )
        done = subprocess.run(
            [npm, "ci", "--prefix", str(DOCS), "--no-audit", "--no-fund", "--loglevel=error"],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0 or not (KATEX_DIST / "katex.min.js").is_file():
            raise PluginError(f"`npm ci --prefix docs` failed:\n{done.stderr}")
    return KATEX_DIST


def on_files(files: Files, config) -> Files:
    """Add KaTeX and the generated figures to the site; compute every generated block."""
    dist = _ensure_katex()
    katex = [*(dist / name for name in KATEX_FILES), *sorted((dist / "fonts").glob("*.woff2"))]
    for path in katex:
        uri = f"assets/katex/{path.relative_to(dist).as_posix()}"
        files.append(File.generated(config, uri, abs_src_path=str(path)))
    _outputs.clear()
    for name, make in generate.GENERATORS.items():
        try:
            result = make()
        except Exception as exc:
            raise PluginError(f"docs generator {name!r} failed: {exc!r}") from exc
        _outputs[name] = result.markdown
        for uri, content in result.files.items():
            files.append(File.generated(config, uri, content=content))
    return files


def on_env(env, config, files):
    """Let `[fit][minilogit.Trainer.fit]` work like `[Trainer][minilogit.Trainer]` does.

    mkdocstrings documents each object where it is defined (`minilogit.train.Trainer`) and
    registers the names it is re-exported under (`minilogit.Trainer`), but not the members of
    those (`minilogit.Trainer.fit`). Register them too, before autorefs resolves the links.
    """
    autorefs = config.plugins["autorefs"]
    urls, secondary = autorefs._primary_url_map, autorefs._secondary_url_map
    for alias, canonical in generate.reexports().items():
        prefix = canonical + "."
        for identifier in [i for i in urls if i.startswith(prefix)]:
            secondary.setdefault(alias + identifier[len(canonical) :], urls[identifier])
    return env


def on_page_markdown(markdown: str, page, config, files) -> str:
    """Replace `<!-- gen: NAME -->` lines and run `python exec` cells."""
    src = page.file.src_uri

    def substitute(match: re.Match) -> str:
        name = match.group(1)
        if name not in _outputs:
            raise PluginError(
                f"{src}: unknown generator {name!r}; known: {', '.join(sorted(_outputs))}"
            )
        return _outputs[name]

    markdown = DIRECTIVE.sub(substitute, markdown)
    try:
        return generate.run_cells(markdown)
    except generate.CellError as exc:
        raise PluginError(f"{src}: {exc}") from exc
