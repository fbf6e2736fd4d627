"""Which notebooks make up the pipeline, what each depends on, and which are out of date.

Light on purpose (standard library only): ``make all`` asks it on every run.

- The chapters are ``notebooks/[0-9][0-9]_*.ipynb`` (``_template.ipynb`` and
  unnumbered notebooks such as a parameterised profile are not chapters).
- A chapter declares the chapters whose outputs it reads in its notebook
  metadata: ``{"carerates": {"depends": ["02_describe", ...]}}``. Without that
  key a chapter depends on ``01_ingest``; ``01_ingest`` itself depends on none.
- A chapter with no dependencies reads the raw data: it is out of date when the
  raw-data stamp or ``lib/carerates/sources/`` changes. Every chapter is out of
  date when its notebook or the core library (``lib/carerates/*.py`` and the
  machinery that runs it, ``lib/carerates/build/*.py``) changes,
  or a chapter it depends on is rebuilt: the rule Make applied to the targets
  ``build/stamps/NN_name.done``, which stay the record of a successful run.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .. import paths
from ..errors import DataError

INGEST = "01_ingest"
#: Library code no chapter uses, as paths under ``lib/carerates/``: editing it re-runs no chapter.
#: (An unnumbered notebook, the exemplar profile, does use ``profile/``: editing that re-runs it.)
NOT_CHAPTER_CODE = frozenset({"profile", "build/site.py"})
NOT_NOTEBOOK_CODE = frozenset({"build/site.py"})
#: The folders of the library whose modules are code of every notebook (``sources/`` is the
#: ingest's, ``profile/`` the profile's: see :func:`inputs`).
CODE_FOLDERS = ("", "build", "profile")
CHAPTER_GLOB = "[0-9][0-9]_*.ipynb"


def chapters(folder: Path | None = None) -> list[Path]:
    """The numbered notebooks of a folder, in order."""
    folder = Path(folder) if folder is not None else paths.NOTEBOOKS
    return sorted(folder.glob(CHAPTER_GLOB))


def read_notebook(path: Path) -> dict:
    """A notebook file as a dict; ``DataError`` naming the file if it is not notebook JSON (nbformat 4)."""
    try:
        content = json.loads(Path(path).read_text(encoding="utf-8"))
    except UnicodeDecodeError as err:
        raise DataError(path, f"is not a notebook: not UTF-8 text ({err.reason} at byte {err.start})") from None
    except json.JSONDecodeError as err:
        raise DataError(path, f"is not a notebook: invalid JSON at line {err.lineno}, column {err.colno} "
                              f"({err.msg}); restore it with `git checkout -- {Path(path).name}` or fix it "
                              "in an editor") from None
    if not isinstance(content, dict) or not isinstance(content.get("cells"), list):
        raise DataError(path, "is not a notebook: the JSON has no list of \"cells\"")
    if content.get("nbformat") != 4:
        raise DataError(path, f"is not a notebook in format 4 (nbformat is {content.get('nbformat')!r})")
    return content


def settings(notebook: Path) -> dict:
    """The ``carerates`` key of a notebook's metadata (``{}`` if absent)."""
    try:
        content = read_notebook(notebook)
    except OSError as err:
        raise DataError(notebook, f"cannot read the notebook ({err})") from None
    value = content.get("metadata", {}).get("carerates", {})
    if not isinstance(value, dict):
        raise DataError(notebook, "metadata 'carerates' must be an object, e.g. {\"depends\": [\"01_ingest\"]}")
    return value


def dependencies(notebook: Path) -> list[str]:
    """The chapters (file stems) a notebook depends on."""
    notebook = Path(notebook)
    value = settings(notebook).get("depends")
    if value is None:
        return [] if notebook.stem == INGEST else [INGEST]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DataError(notebook, "metadata carerates.depends must be a list of chapter names, "
                                  "e.g. [\"01_ingest\", \"09_multivariate\"]")
    return [Path(v).stem for v in value]


def graph(notebooks: list[Path]) -> dict[str, list[str]]:
    """``{stem: dependencies}`` for ``notebooks`` and every chapter they need, checked.

    Dependencies are looked up beside each notebook. An unknown chapter or a
    cycle raises ``DataError`` naming the notebook.
    """
    found: dict[str, list[str]] = {}
    where = {Path(nb).stem: Path(nb) for nb in notebooks}
    todo = list(where)
    while todo:
        stem = todo.pop()
        if stem in found:
            continue
        path = where[stem]
        found[stem] = dependencies(path)
        for dep in found[stem]:
            if dep not in where:
                candidate = path.parent / f"{dep}.ipynb"
                if not candidate.is_file():
                    raise DataError(path, f"depends on {dep!r}, which is not a notebook in {path.parent.name}/")
                where[dep] = candidate
            todo.append(dep)
    order(found, {s: where[s] for s in found})  # raises on a cycle
    return found


def order(deps: dict[str, list[str]], where: dict[str, Path] | None = None) -> list[str]:
    """The stems in an order that puts every chapter after its dependencies (ties by name)."""
    done: list[str] = []
    placed: set[str] = set()
    remaining = sorted(deps)
    while remaining:
        ready = [s for s in remaining if all(d in placed or d not in deps for d in deps[s])]
        if not ready:
            stem = remaining[0]
            raise DataError((where or {}).get(stem, Path(f"{stem}.ipynb")),
                            f"dependency cycle among {', '.join(remaining)}")
        for stem in ready:
            done.append(stem)
            placed.add(stem)
        remaining = [s for s in remaining if s not in placed]
    return done


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except FileNotFoundError:
        return 0


def inputs(notebook: Path, deps: list[str], root: Path, data_stamp: Path | None) -> list[Path]:
    """The files whose change makes ``notebook`` out of date (besides its dependencies)."""
    found = [Path(notebook)]
    # The profiles and the site read the chapters' results; no chapter reads them.
    unused = NOT_CHAPTER_CODE if Path(notebook).match(CHAPTER_GLOB) else NOT_NOTEBOOK_CODE
    lib = root / "lib" / "carerates"
    for folder in CODE_FOLDERS:
        if folder in unused:
            continue
        found += sorted(p for p in (lib / folder).glob("*.py") if p.relative_to(lib).as_posix() not in unused)
    if not deps:
        found += sorted((root / "lib" / "carerates" / "sources").glob("*.py"))
        if data_stamp is not None:
            found.append(Path(data_stamp))
    return found


def stamp(stem: str, stamps: Path) -> Path:
    return Path(stamps) / f"{stem}.done"


def stale(notebooks: list[Path], stamps: Path, root: Path | None = None,
          data_stamp: Path | None = None) -> list[str]:
    """The stems of ``notebooks`` (and of the chapters they need) that must run, in order.

    A chapter must run when its stamp is missing or older than one of its
    :func:`inputs`, or when a chapter it depends on must run or finished after it.
    """
    root = Path(root) if root is not None else paths.ROOT
    deps = graph(notebooks)
    where = {Path(nb).stem: Path(nb) for nb in notebooks}
    for stem in deps:
        where.setdefault(stem, Path(notebooks[0]).parent / f"{stem}.ipynb")
    todo: set[str] = set()
    for stem in order(deps):
        own = _mtime(stamp(stem, stamps))
        newest = max(_mtime(p) for p in inputs(where[stem], deps[stem], root, data_stamp))
        if (own == 0 or newest > own or any(d in todo for d in deps[stem])
                or any(_mtime(stamp(d, stamps)) > own for d in deps[stem])):
            todo.add(stem)
    return [s for s in order(deps) if s in todo]


# --- the result files each chapter wrote -----------------------------------------------------
# ``build/stamps/<stem>.files.json``: ``{"figures/<name>": [size, mtime_ns, sha256]}`` for every
# file under figures/ the chapter's last default run produced. With it the pipeline notices a
# result changed by something else (papermill, an editor, a copy) instead of saying "Up to date",
# and a file a chapter stopped writing.

def _sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def results_record(stem: str, stamps: Path) -> Path:
    return Path(stamps) / f"{stem}.files.json"


def record_results(stem: str, stamps: Path, files: list[Path], root: Path | None = None) -> list[str]:
    """Record the ``figures/`` files a chapter's run produced; return those it wrote last time but not now."""
    root = Path(root) if root is not None else paths.ROOT
    figures = root / "figures"
    record = {}
    for path in sorted(Path(f) for f in files):
        if path.is_relative_to(figures) and path.is_file():
            info = path.stat()
            record[path.relative_to(root).as_posix()] = [info.st_size, info.st_mtime_ns, _sha256(path)]
    before = read_results(stem, stamps)
    target = results_record(stem, stamps)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(record, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    return sorted(name for name in before if name not in record and (root / name).exists())


def read_results(stem: str, stamps: Path) -> dict[str, list]:
    try:
        value = json.loads(results_record(stem, stamps).read_text(encoding="utf-8"))
        return value if isinstance(value, dict) else {}
    except (OSError, ValueError):
        return {}


def changed_results(stems: list[str], stamps: Path, root: Path | None = None) -> dict[str, list[str]]:
    """``{stem: [files]}``: results in figures/ changed or removed since the chapter wrote them.

    Only a file whose size or time differs is hashed; the same bytes touched is no change.
    """
    root = Path(root) if root is not None else paths.ROOT
    changed: dict[str, list[str]] = {}
    for stem in stems:
        for name, (size, mtime, sha) in read_results(stem, stamps).items():
            path = root / name
            try:
                info = path.stat()
            except FileNotFoundError:
                changed.setdefault(stem, []).append(name)
                continue
            if (info.st_size, info.st_mtime_ns) != (size, mtime) and (info.st_size != size or _sha256(path) != sha):
                changed.setdefault(stem, []).append(name)
    return changed


def unowned_results(stems: list[str], stamps: Path, root: Path | None = None) -> list[str]:
    """Files in figures/ that no chapter's last run wrote (once every chapter has a record)."""
    root = Path(root) if root is not None else paths.ROOT
    owned: set[str] = set()
    for stem in stems:
        if not results_record(stem, stamps).is_file():
            return []  # not every chapter has run since records began: nothing can be said
        owned |= set(read_results(stem, stamps))
    figures = root / "figures"
    found = sorted(p.relative_to(root).as_posix() for p in figures.rglob("*") if p.is_file()) if figures.is_dir() else []
    return [name for name in found if name not in owned and not Path(name).name.startswith(".")]
