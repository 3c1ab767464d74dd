"""A Ruby method named by a symbol is used there: ``each(&:total)``, ``send(:total)``, Rails'
``before_action :authenticate``; find_references listed only calls written out."""

from __future__ import annotations

from genie_tui.retrieval import RepoIndex

INVOICE = ("class Invoice\n  has_many :lines\n\n  def total\n    lines.sum(&:amount)\n  end\nend\n")
USES = ("class InvoicesController < ApplicationController\n  before_action :authenticate\n\n"
        "  def index\n    Invoice.all.map(&:total)\n  end\n\n  def show\n    invoice.send(:total)\n  end\n\n"
        "  def authenticate\n  end\nend\n")


def test_a_ruby_method_named_by_a_symbol_is_a_use_of_it(make_repo):
    ix = RepoIndex.open(make_repo({"app/models/invoice.rb": INVOICE, "app/controllers/invoices_controller.rb": USES}))
    try:
        total = [(r.path, r.line) for r in ix.references("Invoice#total")]
        auth = [(r.path, r.line) for r in ix.references("authenticate")]
        lines = [(r.path, r.line) for r in ix.references("lines")]
    finally:
        ix.close()
    assert total == [("app/controllers/invoices_controller.rb", 5), ("app/controllers/invoices_controller.rb", 9)]
    assert auth == [("app/controllers/invoices_controller.rb", 2)]
    assert lines == [("app/models/invoice.rb", 5)]  # not has_many's own line, which defines it


def test_a_class_reopened_in_the_compact_form_is_found_by_its_qualified_name(make_repo):
    # ``class Shop::Cart`` had no parent, so ``Shop::Cart`` found only the ``module Shop; class Cart`` form
    repo = make_repo({"cart.rb": "module Shop\n  class Cart\n  end\nend\n",
                      "ext.rb": "class Shop::Cart\n  def discount\n    1\n  end\nend\n",
                      "other.rb": "module Other\n  class Cart\n  end\nend\n"})
    ix = RepoIndex.open(repo)
    try:
        found = sorted((d.path, d.line) for d in ix.definitions("Shop::Cart"))
    finally:
        ix.close()
    assert found == [("cart.rb", 2), ("ext.rb", 1)]
