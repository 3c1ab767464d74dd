"""Imports that are not relative, as TypeScript and JavaScript projects write them: tsconfig/jsconfig path
aliases and base URLs, and workspace packages, lead to the right file among same-named definitions."""

from __future__ import annotations

import json
import os

from genie_tui.retrieval import RepoIndex
from genie_tui.retrieval.jsconfig import loads_jsonc

BUTTON = "export function Button(): string { return 'b'; }\n"


def first(ix: RepoIndex, symbol: str, path: str) -> str:
    locs = ix.definitions(symbol, path=path)
    assert locs, (symbol, path)
    return locs[0].path


def test_tsconfig_paths_alias_leads_to_its_target(make_repo):
    repo = make_repo({
        # comments and trailing commas, as tsconfig.json is written
        "tsconfig.json": '{\n  // aliases\n  "compilerOptions": {\n    /* the app */ "paths": {\n'
                         '      "@/*": ["./src/*",],\n      "@ui": ["./src/ui/button.tsx"],\n    },\n  },\n}\n',
        "src/ui/button.tsx": BUTTON,
        "ui/button.tsx": BUTTON,  # a shorter path that a lookup by name alone puts first
        "src/app/page.tsx": "import { Button } from '@/ui/button';\nexport const page = () => Button();\n",
        "src/app/other.tsx": "import { Button } from '@ui';\nexport const other = () => Button();\n",
    })
    ix = RepoIndex.open(repo)
    assert first(ix, "Button", "src/app/page.tsx") == "src/ui/button.tsx"
    assert first(ix, "Button", "src/app/other.tsx") == "src/ui/button.tsx"  # an exact pattern
    refs = {r.path for r in ix.references("Button", path="src/ui/button.tsx")}
    assert {"src/app/page.tsx", "src/app/other.tsx"} <= refs
    ix.close()


def test_base_url_and_extends_across_directories(make_repo):
    repo = make_repo({
        "tsconfig.base.json": json.dumps({"compilerOptions": {"baseUrl": ".", "paths": {
            "@shared/*": ["packages/shared/src/*"]}}}),
        "apps/web/tsconfig.json": json.dumps({"extends": "../../tsconfig.base.json"}),
        "apps/web/main.ts": "import { fmt } from '@shared/fmt';\nimport { log } from 'apps/web/log';\nfmt(); log();\n",
        "apps/web/log.ts": "export function log(): void {}\n",
        "packages/shared/src/fmt.ts": "export function fmt(): string { return ''; }\n",
        "fmt.ts": "export function fmt(): string { return 'other'; }\n",
        "log.ts": "export function log(): void {}\n",
        "legacy/jsconfig.json": json.dumps({"compilerOptions": {"baseUrl": "src"}}),
        "legacy/src/util/run.js": "export function run() { return 1; }\n",
        "legacy/app.js": "import { run } from 'util/run';\nrun();\n",
        "run.js": "export function run() { return 2; }\n",
    })
    ix = RepoIndex.open(repo)
    assert first(ix, "fmt", "apps/web/main.ts") == "packages/shared/src/fmt.ts"  # paths of the extended config
    assert first(ix, "log", "apps/web/main.ts") == "apps/web/log.ts"  # its baseUrl, the repository root
    assert first(ix, "run", "legacy/app.js") == "legacy/src/util/run.js"  # jsconfig.json's baseUrl
    ix.close()


def test_workspace_package_by_name_and_subpath(make_repo):
    repo = make_repo({
        "packages/ui/package.json": json.dumps({
            "name": "@acme/ui", "main": "dist/index.js",
            "exports": {".": {"import": "./dist/index.js", "types": "./dist/index.d.ts"},
                        "./forms/*": {"@acme/source": "./src/forms/*.ts", "import": "./dist/forms/*.js"}}}),
        "packages/ui/src/index.ts": "export function Widget(): number { return 1; }\n",
        "packages/ui/src/forms/field.ts": "export function Field(): number { return 1; }\n",
        "packages/core/package.json": json.dumps({"name": "core"}),
        "packages/core/src/index.ts": "export function boot(): void {}\n",
        "apps/web/main.ts": ("import { Widget } from '@acme/ui';\nimport { Field } from '@acme/ui/forms/field';\n"
                             "import { boot } from 'core';\nWidget(); Field(); boot();\n"),
        "w.ts": "export function Widget(): number { return 2; }\nexport function Field(): number { return 2; }\n"
                "export function boot(): void {}\n",
    })
    ix = RepoIndex.open(repo)
    assert first(ix, "Widget", "apps/web/main.ts") == "packages/ui/src/index.ts"  # dist/index.js's source
    assert first(ix, "Field", "apps/web/main.ts") == "packages/ui/src/forms/field.ts"  # a custom condition
    assert first(ix, "boot", "apps/web/main.ts") == "packages/core/src/index.ts"  # no entry: src/index
    ix.close()


def test_config_edit_is_seen_and_a_broken_config_resolves_nothing(make_repo):
    repo = make_repo({
        "tsconfig.json": json.dumps({"compilerOptions": {"paths": {"~/*": ["./a/*"]}}}),
        "a/thing.ts": "export function thing(): number { return 1; }\n",
        "b/thing.ts": "export function thing(): number { return 2; }\n",
        "main.ts": "import { thing } from '~/thing';\nthing();\n",
    })
    ix = RepoIndex.open(repo)
    assert first(ix, "thing", "main.ts") == "a/thing.ts"
    cfg = repo / "tsconfig.json"
    cfg.write_text(json.dumps({"compilerOptions": {"paths": {"~/*": ["./b/*"]}}}))
    os.utime(cfg, ns=(cfg.stat().st_mtime_ns + 10**9,) * 2)
    ix.refresh()
    assert first(ix, "thing", "main.ts") == "b/thing.ts"
    cfg.write_text('{"compilerOptions": {"paths": {"~/*": ["./b/*"]')  # cut off
    os.utime(cfg, ns=(cfg.stat().st_mtime_ns + 2 * 10**9,) * 2)
    ix.refresh()
    assert {loc.path for loc in ix.definitions("thing", path="main.ts")} == {"a/thing.ts", "b/thing.ts"}
    ix.close()


def test_jsonc_keeps_comment_marks_inside_strings():
    text = '{"a": "http://x/*y*/", // c\n "b": [1, 2,], /* d */ "c": "x,]",}'
    assert loads_jsonc(text) == {"a": "http://x/*y*/", "b": [1, 2], "c": "x,]"}
