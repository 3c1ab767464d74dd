"""Code under other names is parsed as its language: Ruby's rake tasks, gemspecs, config.ru and Rakefile, Python's
.pyw, C++'s template implementation files (.tpp, .ipp, .inl) and modules (.cppm, .ixx)."""

from __future__ import annotations

from genie_tui.retrieval import RepoIndex

FILES = {
    "lib/tasks/cleanup.rake": ("namespace :db do\n  def purge_stale_sessions(days)\n    Session.where(days).delete_all\n"
                               "  end\nend\n"),
    "Rakefile": "require_relative 'config/application'\n\ndef build_assets\n  system('yarn build')\nend\n",
    "shop.gemspec": "module ShopVersion\n  VERSION = '1.0'\nend\n",
    "config.ru": "class HealthCheck\n  def call(env) = [200, {}, ['ok']]\nend\n",
    "tray.pyw": "def show_tray_icon():\n    pass\n",
    "include/box.tpp": "template <class T>\nvoid Box<T>::put(T v) {\n  items.push_back(v);\n}\n",
    "src/geo.cppm": "export module geo;\nexport double area_of_circle(double r) { return 3.14 * r * r; }\n",
}


def test_code_under_other_names_is_parsed_as_its_language(make_repo):
    ix = RepoIndex.open(make_repo(FILES))
    try:
        found = {s: [(d.path, d.line) for d in ix.definitions(s)]
                 for s in ("purge_stale_sessions", "build_assets", "ShopVersion", "HealthCheck.call",
                           "show_tray_icon", "Box.put", "area_of_circle")}
        why = ix.explain("lib/tasks/cleanup.rake")
    finally:
        ix.close()
    assert found == {"purge_stale_sessions": [("lib/tasks/cleanup.rake", 2)], "build_assets": [("Rakefile", 3)],
                     "ShopVersion": [("shop.gemspec", 1)], "HealthCheck.call": [("config.ru", 2)],
                     "show_tray_icon": [("tray.pyw", 1)], "Box.put": [("include/box.tpp", 2)],
                     "area_of_circle": [("src/geo.cppm", 2)]}
    assert why == "lib/tasks/cleanup.rake: indexed (5 lines; parsed as ruby, 1 definition)"
