"""A stack frame in an installed package (``site-packages/``, ``node_modules/``, a gem) or in Python's own library
is a file of the repository only where it is the repository's own package: a library's file that merely ends
like one of the repository's (``django/db/models/base.py`` and ``shop/models/base.py``) is none of them."""

from __future__ import annotations

from genie_tui.retrieval import RepoIndex


def _module(n: int) -> str:
    return "".join(f"def fn{i}(invoice, total):\n    # compute the invoice total\n    value = invoice.total + total\n"
                   f"    return value\n\n" for i in range(n))


MODEL = "class Model:\n    '''Base model of the tables.'''\n" + "".join(
    f"    def m{i}(self, row):\n        return self.write(row)\n\n" for i in range(6))

DJANGO_TRACE = """IntegrityError when refunding

Traceback (most recent call last):
  File "/home/u/proj/shop/refunds.py", line 23, in fn4
    value = invoice.total + total
  File "/home/u/.venv/lib/python3.11/site-packages/django/db/models/base.py", line 812, in save
    self.save_base(using=using, force_insert=force_insert)
  File "/home/u/.venv/lib/python3.11/site-packages/django/db/backends/utils.py", line 89, in _execute
    return self.cursor.execute(sql, params)
django.db.utils.IntegrityError: NOT NULL constraint failed: shop_refund.total
"""


def test_a_library_frame_in_site_packages_is_no_repository_file_of_the_same_tail(make_repo, trace_signal):
    repo = make_repo({"shop/__init__.py": "", "shop/models/__init__.py": "", "shop/models/base.py": MODEL,
                      "shop/refunds.py": _module(8), "shop/orders.py": _module(8)})
    trace = trace_signal(repo, DJANGO_TRACE)
    assert trace["shop/models/base.py"] == 0.0
    assert trace["shop/refunds.py"] == 1.0  # the one frame in the repository
    ix = RepoIndex.open(repo)
    try:
        assert ix.search(DJANGO_TRACE, k=1)[0].path == "shop/refunds.py"
    finally:
        ix.close()
    # the repository's own package installed from a src/ layout still is its file, and so is an egg's copy
    src = make_repo({"src/shop/__init__.py": "", "src/shop/models/base.py": MODEL, "src/shop/refunds.py": _module(8)},
                    name="src-layout")
    installed = ('  File "/venv/lib/python3.11/site-packages/shop/models/base.py", line 3, in m0\n'
                 '  File "/venv/lib/python3.11/site-packages/shop-1.0-py3.11.egg/shop/refunds.py", line 2, in fn0\n')
    trace = trace_signal(src, installed)
    assert trace["src/shop/models/base.py"] > 0 and trace["src/shop/refunds.py"] == 1.0


JS = "function route(req) {\n  // dispatch the request to its handler\n  return req.handler(req);\n}\n" \
     "module.exports = { route };\n"


def test_an_installed_top_level_module_is_a_file_at_a_package_root_not_a_package_s_module(make_repo, trace_signal):
    repo = make_repo({"src/shop.py": _module(4), "src/app/__init__.py": "", "src/app/decorator.py": _module(4)})
    text = ('Traceback (most recent call last):\n'
            '  File "/venv/lib/python3.11/site-packages/shop.py", line 2, in fn0\n'
            '  File "/venv/lib/python3.11/site-packages/decorator.py", line 232, in fun\n'
            'TypeError: bad\n')
    trace = trace_signal(repo, text)
    assert trace["src/shop.py"] == 1.0  # the module a src/ layout installs
    assert trace["src/app/decorator.py"] == 0.0  # the decorator package's module is no module of app


def test_a_dependency_s_frame_in_node_modules_is_no_repository_file_but_a_workspace_package_s_is(make_repo,
                                                                                                    trace_signal):
    repo = make_repo({"package.json": '{"name": "shop", "workspaces": ["packages/*"]}\n',
                      "src/router/index.js": JS, "src/app.js": "require('./router').route({});\n",
                      "packages/ui/package.json": '{"name": "@acme/ui"}\n', "packages/ui/lib/button.js": JS})
    text = ("TypeError: req.handler is not a function\n"
            "    at route (/app/node_modules/@acme/ui/lib/button.js:3:14)\n"
            "    at Layer.handle (/app/node_modules/express/lib/router/index.js:284:7)\n"
            "    at main (/app/src/app.js:1:22)\n")
    trace = trace_signal(repo, text)
    assert trace["src/router/index.js"] == 0.0  # express's router
    assert trace["packages/ui/lib/button.js"] == 1.0 and trace["src/app.js"] > 0


def test_a_gem_s_frame_is_a_file_only_of_the_repository_s_gem_of_that_name(make_repo, trace_signal):
    rb = "module Rack\n  module Utils\n    def self.escape(s)\n      s.to_s\n    end\n  end\nend\n"
    text = ("/usr/local/bundle/gems/rack-3.0.8/lib/rack/utils.rb:4:in `escape': bad (ArgumentError)\n"
            "\tfrom /app/app/models/cart.rb:2:in `total'\n")
    app = make_repo({"lib/rack/utils.rb": rb, "app/models/cart.rb": "class Cart\n  def total\n  end\nend\n"})
    assert trace_signal(app, text)["lib/rack/utils.rb"] == 0.0  # an app's own lib/rack/, not the gem
    gem = make_repo({"rack.gemspec": "Gem::Specification.new { |s| s.name = 'rack' }\n", "lib/rack/utils.rb": rb},
                    name="rack")
    assert trace_signal(gem, text)["lib/rack/utils.rb"] == 1.0


STDLIB_TRACE = """Traceback (most recent call last):
  File "{own}", line 2, in fn0
    value = invoice.total + total
  File "{lib}", line 1375, in getresponse
    response.begin()
http.client.RemoteDisconnected: Remote end closed connection without response
"""


def test_a_frame_in_python_s_own_library_on_fedora_or_windows_is_no_repository_file(make_repo, trace_signal):
    repo = make_repo({"myapi/__init__.py": "", "myapi/http/__init__.py": "", "myapi/http/client.py": MODEL,
                      "myapi/refunds.py": _module(4)})
    for own, lib in [("/home/u/proj/myapi/refunds.py", "/usr/lib64/python3.11/http/client.py"),
                     (r"C:\Users\me\proj\myapi\refunds.py", r"C:\Program Files\Python311\Lib\http\client.py"),
                     (r"D:\a\proj\myapi\refunds.py", r"C:\hostedtoolcache\windows\Python\3.11.4\x64\Lib\http\client.py")]:
        trace = trace_signal(repo, STDLIB_TRACE.format(own=own, lib=lib))
        assert (lib, trace["myapi/http/client.py"], trace["myapi/refunds.py"]) == (lib, 0.0, 1.0)
    # a Windows virtual environment's Lib\site-packages is no standard library: the repository's package there is
    venv = STDLIB_TRACE.format(own=r"C:\proj\.venv\Lib\site-packages\myapi\http\client.py", lib="<frozen x>")
    assert trace_signal(repo, venv)["myapi/http/client.py"] == 1.0
