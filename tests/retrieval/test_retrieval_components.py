"""Vue and Svelte components: their <script> blocks are JavaScript or TypeScript, at the file's own lines, and
the component is a definition named for its file, which imports of it lead to."""

from __future__ import annotations

import json
import textwrap

from genie_tui.retrieval import RepoIndex

BUTTON = textwrap.dedent("""\
    <template>
      <button @click="increment">{{ label }} ü {{ count }}</button>
    </template>

    <script setup lang="ts">
    import { ref } from 'vue'
    import { format } from '@/lib/format'
    const count = ref(0)
    function increment(): void {
      count.value = Number(format(count.value + 1))
    }
    </script>

    <style scoped>
    button { color: red; }
    </style>
    """)


def test_vue_and_svelte_scripts_are_indexed_at_their_lines(make_repo):
    repo = make_repo({
        "tsconfig.json": json.dumps({"compilerOptions": {"paths": {"@/*": ["./src/*"]}}}),
        "src/components/my-button.vue": BUTTON,
        "src/lib/format.ts": "export function format(n: number): string { return String(n); }\n",
        "lib/format.ts": "export function format(n: number): string { return ''; }\n",
        "src/App.vue": textwrap.dedent("""\
            <template><MyButton />
              <div><my-button label="two"></my-button></div>
            </template>
            <script>
            import MyButton from './components/my-button.vue'
            export default { components: { MyButton } }
            </script>
            """),
        "src/Counter.svelte": textwrap.dedent("""\
            <script context="module">
              export function reset() { return 0; }
            </script>
            <script>
              let count = 0;
              function bump() { count += 1; }
            </script>
            <button on:click={bump}>{count}</button>
            """),
        "MyButton.ts": "export const MyButton = () => 1;\n",  # a same-named definition elsewhere
    })
    ix = RepoIndex.open(repo)
    assert [(loc.path, loc.line, loc.kind) for loc in ix.definitions("increment")] == [
        ("src/components/my-button.vue", 9, "function")]
    assert [(loc.line, loc.kind) for loc in ix.definitions("MyButton.increment")] == [(9, "function")]
    assert ix.definitions("MyButton", path="src/App.vue")[0].path == "src/components/my-button.vue"
    assert ix.definitions("format", path="src/components/my-button.vue")[0].path == "src/lib/format.ts"
    assert [(loc.line, loc.kind) for loc in ix.definitions("bump")] == [(6, "function")]
    assert [loc.line for loc in ix.definitions("reset")] == [2]
    assert [(loc.path, loc.line) for loc in ix.definitions("Counter")] == [("src/Counter.svelte", 1)]
    assert ix.definitions("color") == []  # the style block is no code
    refs = {(r.path, r.line) for r in ix.references("format", path="src/lib/format.ts")}
    assert ("src/components/my-button.vue", 10) in refs
    used = {(r.path, r.line) for r in ix.references("MyButton", path="src/components/my-button.vue")}
    assert {("src/App.vue", 1), ("src/App.vue", 2)} <= used  # in the template, as <MyButton /> and <my-button>
    assert ("src/App.vue", 5) in used  # and its import
    # tied to it by that import, not "by name only" (the default export of a component file is the component)
    kinds = {(r.path, r.line): r.kind for r in ix.references("MyButton", path="src/components/my-button.vue")}
    assert "reference by name" not in {kinds[("src/App.vue", line)] for line in (1, 2, 5, 6)}, kinds
    hits = ix.search("increment the counter button", k=3)
    assert hits and hits[0].path == "src/components/my-button.vue"
    ix.close()
