"""Where a JavaScript/TypeScript import that is not relative leads inside the repository.

Two settings decide that in real projects, and this follows both:

- ``compilerOptions.paths`` and ``baseUrl`` of the nearest ``tsconfig.json`` or ``jsconfig.json`` above the
  importing file (through relative ``extends``), as TypeScript reads them: ``"@/*": ["./src/*"]`` makes
  ``@/ui/button`` ``src/ui/button.tsx``; the longest matching prefix wins, its targets are tried in order; the
  targets are relative to ``baseUrl`` when it is set, else to the file that defines ``paths``; ``baseUrl`` alone
  makes ``ui/button`` ``<baseUrl>/ui/button``.
- workspace packages: a ``package.json`` with a ``name`` makes ``@acme/ui`` and ``@acme/ui/button`` that
  package's files (``exports``, then ``source``, ``module``, ``main``, ``types``, then ``src/index`` and
  ``index``; a built entry such as ``dist/index.js`` is looked for under ``src/`` too, since the build is not
  in the repository).

The files are read once per set of their sizes and modification times (see snapshot.Snapshot).
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Callable
from typing import Any

CONFIG_NAME = re.compile(r"(?:^|/)(?:[tj]sconfig[\w.-]*\.json|package\.json)$")
_CONFIGS = ("tsconfig.json", "jsconfig.json")
_COMMENT = re.compile(r'"(?:\\.|[^"\\])*"|//[^\n]*|/\*.*?\*/', re.DOTALL)
_TRAILING = re.compile(r'"(?:\\.|[^"\\])*"|,(?=\s*[}\]])')
_BUILT = ("dist", "lib", "build", "out", "esm", "cjs", "es", "module")  # where a package's built entry lives
_CONDITIONS = ("source", "development", "import", "module", "require", "node", "default", "types")

Finder = Callable[[str], str | None]  # a path or a path without its extension -> the indexed file
_Rule = tuple[str, str, list[str], bool]  # a ``paths`` pattern: prefix, suffix, targets, has a ``*``


def loads_jsonc(text: str) -> Any:
    """JSON with comments and trailing commas, as tsconfig.json is written."""
    text = _COMMENT.sub(lambda m: m.group(0) if m.group(0).startswith('"') else "", text)
    return json.loads(_TRAILING.sub(lambda m: m.group(0) if m.group(0).startswith('"') else "", text))


class JsLayout:
    """The path aliases and workspace packages of a repository, read from its config files."""

    def __init__(self, paths: set[str], read: Callable[[str], str | None]) -> None:
        self._read = read
        self._paths = paths
        self._raw: dict[str, dict[str, Any] | None] = {}
        self._settings: dict[str, tuple[str | None, list[_Rule]]] = {}
        self._nearest: dict[str, str | None] = {}
        self.packages: dict[str, tuple[str, dict[str, Any]]] = {}
        for p in sorted(paths):
            if posixpath.basename(p) == "package.json":
                data = self._json(p)
                name = data.get("name") if isinstance(data, dict) else None
                if isinstance(name, str) and name and name not in self.packages:
                    self.packages[name] = (posixpath.dirname(p), data)  # type: ignore[assignment]

    def resolve(self, importer: str, module: str, find: Finder) -> str | None:
        """The indexed file ``module`` (neither relative nor absolute) names when ``importer`` imports it."""
        config = self._config_of(posixpath.dirname(importer))
        if config is not None:
            base, rules = self._settings_of(config)
            best = None
            for prefix, suffix, targets, wild in rules:
                if not wild and module == prefix:  # an exact pattern wins over any wildcard
                    best = (prefix, suffix, targets, wild)
                    break
                if wild and module.startswith(prefix) and module.endswith(suffix) and \
                        len(module) >= len(prefix) + len(suffix) and (best is None or len(prefix) > len(best[0])):
                    best = (prefix, suffix, targets, wild)
            if best is not None:
                prefix, suffix, targets, wild = best
                star = module[len(prefix):len(module) - len(suffix)] if wild else ""
                for target in targets:
                    hit = find(posixpath.normpath(target.replace("*", star, 1)))
                    if hit:
                        return hit
            if base is not None:
                hit = find(posixpath.normpath(posixpath.join(base, module)))
                if hit:
                    return hit
        return self._package(module, find)

    # --- workspace packages ------------------------------------------------------------------------------
    def _package(self, module: str, find: Finder) -> str | None:
        parts = module.split("/")
        name = "/".join(parts[:2]) if module.startswith("@") else parts[0]
        found = self.packages.get(name)
        if found is None:
            return None
        root, data = found
        sub = module[len(name):].lstrip("/")
        exports = data.get("exports")
        wanted = _exports(exports, "./" + sub if sub else ".")
        if sub:
            cands = [*wanted, sub, "src/" + sub]
        else:
            cands = [*wanted, *(data.get(f) for f in ("source", "module", "main", "types", "typings")),
                     "src/index", "index"]
        for cand in cands:
            if not isinstance(cand, str) or not cand:
                continue
            rel = posixpath.normpath(posixpath.join(root, cand))
            for path in (rel, *_source_of(root, cand)):
                hit = find(path)
                if hit:
                    return hit
        return None

    # --- tsconfig.json / jsconfig.json ----------------------------------------------------------------------
    def _config_of(self, directory: str) -> str | None:
        if directory in self._nearest:
            return self._nearest[directory]
        found = None
        for name in _CONFIGS:
            cand = posixpath.join(directory, name) if directory else name
            if cand in self._paths:
                found = cand
                break
        if found is None and directory:
            found = self._config_of(posixpath.dirname(directory))
        self._nearest[directory] = found
        return found

    def _settings_of(self, config: str) -> tuple[str | None, list[_Rule]]:
        """``(baseUrl, [(prefix, suffix, targets, wildcard)])`` of a config, targets as repository paths."""
        if config not in self._settings:
            self._settings[config] = (None, [])  # an ``extends`` cycle ends here
            base, paths, paths_dir = self._options(config, 0)
            root = base if base is not None else paths_dir
            rules = []
            for pattern, targets in (paths or {}).items():
                if not isinstance(pattern, str) or not isinstance(targets, list) or pattern.count("*") > 1:
                    continue
                prefix, _, suffix = pattern.partition("*")
                full = [posixpath.join(root or "", t) for t in targets if isinstance(t, str) and t.count("*") <= 1]
                if full:
                    rules.append((prefix, suffix, full, "*" in pattern))
            self._settings[config] = (base, rules)
        return self._settings[config]

    def _options(self, config: str, depth: int) -> tuple[str | None, dict[str, Any] | None, str]:
        """``(baseUrl as a repository path, paths, the directory paths are relative to)`` through ``extends``."""
        data = self._json(config)
        if not isinstance(data, dict) or depth > 5:
            return None, None, posixpath.dirname(config)
        here = posixpath.dirname(config)
        base, paths, paths_dir = None, None, here
        extends = data.get("extends")
        for parent in ([extends] if isinstance(extends, str) else extends if isinstance(extends, list) else []):
            if isinstance(parent, str) and parent.startswith((".", "/")):
                target = posixpath.normpath(posixpath.join(here, parent.lstrip("/") if parent.startswith("/")
                                                           else parent))
                if not target.endswith(".json"):
                    target += ".json"
                if target in self._paths and not target.startswith(".."):
                    b, p, d = self._options(target, depth + 1)
                    base, paths, paths_dir = b if b is not None else base, p if p is not None else paths, d
        options = data.get("compilerOptions")
        if isinstance(options, dict):
            if isinstance(options.get("baseUrl"), str):
                base = posixpath.normpath(posixpath.join(here, options["baseUrl"]))
                base = "" if base == "." else base
            if isinstance(options.get("paths"), dict):
                paths, paths_dir = options["paths"], here
        return base, paths, paths_dir

    def _json(self, path: str) -> Any:
        if path not in self._raw:
            text = self._read(path)
            try:
                self._raw[path] = loads_jsonc(text) if text is not None else None
            except (ValueError, RecursionError):
                self._raw[path] = None  # a broken config resolves nothing; the file is still searchable
        return self._raw[path]


def _exports(exports: Any, key: str) -> list[str]:
    """The files a package's ``exports`` gives for ``key`` (``"."`` or ``"./sub"``): every condition's, the
    usual ones first (a custom one such as ``"@acme/source"`` may be the only one in the repository)."""
    if exports is None:
        return []
    if isinstance(exports, (str, list)) or (isinstance(exports, dict) and not any(
            isinstance(k, str) and k.startswith(".") for k in exports)):
        return _targets(exports) if key == "." else []
    if not isinstance(exports, dict):
        return []
    if key in exports:
        return _targets(exports[key])
    for pattern, value in exports.items():  # "./*": "./src/*.ts"
        if isinstance(pattern, str) and pattern.count("*") == 1:
            prefix, suffix = pattern.split("*")
            if key.startswith(prefix) and key.endswith(suffix) and len(key) >= len(prefix) + len(suffix):
                star = key[len(prefix):len(key) - len(suffix)]
                return [t.replace("*", star) for t in _targets(value)]
    return []


def _targets(value: Any, depth: int = 0) -> list[str]:
    if isinstance(value, str):
        return [value]
    out: list[str] = []
    if depth > 5:
        return out
    if isinstance(value, list):
        for v in value:
            out += _targets(v, depth + 1)
    elif isinstance(value, dict):
        for key in dict.fromkeys((*(c for c in _CONDITIONS if c in value), *value)):
            out += _targets(value[key], depth + 1)
    return out


def _source_of(root: str, entry: str) -> list[str]:
    """Where the source of a built entry (``dist/index.js``, ``./lib/cjs/index.d.ts``) may be: under ``src/``,
    without the declaration suffix."""
    parts = posixpath.normpath(entry).split("/")
    stem_parts = parts[:]
    last = stem_parts[-1]
    for ext in (".d.ts", ".d.mts", ".d.cts"):
        if last.endswith(ext):
            stem_parts[-1] = last[:-len(ext)]
    out = []
    while len(stem_parts) > 1 and stem_parts[0] in _BUILT:
        stem_parts = stem_parts[1:]
        out.append(posixpath.normpath(posixpath.join(root, "src", *stem_parts)))
    if stem_parts != parts:
        out.append(posixpath.normpath(posixpath.join(root, *stem_parts)))
    return out
