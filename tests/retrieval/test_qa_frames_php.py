"""PHP's report of an uncaught exception names the place it was thrown in its first line (``Uncaught ... in
/var/www/src/Shop/Refund.php:51``, again in ``thrown in ... on line 51``): the innermost frame, whose callers the
``#0``, ``#1`` lines below it are."""

from __future__ import annotations


def _php(cls: str) -> str:
    return f"<?php\nnamespace App\\Shop;\n\nclass {cls}\n{{\n" + "".join(
        f"    public function fn{i}($invoice, $total)\n    {{\n        return $invoice->total + $total;\n    }}\n\n"
        for i in range(8)) + "}\n"


UNCAUGHT = """PHP Fatal error:  Uncaught TypeError: Unsupported operand types: string + int in /var/www/src/Shop/Refund.php:28
Stack trace:
#0 /var/www/src/Shop/Order.php(12): App\\Shop\\Refund->fn5()
#1 /var/www/public/index.php(3): App\\Shop\\Order->fn2()
#2 {main}
  thrown in /var/www/src/Shop/Refund.php on line 28
"""


def test_the_place_an_uncaught_php_exception_was_thrown_counts_most(make_repo, trace_signal):
    repo = make_repo({"src/Shop/Refund.php": _php("Refund"), "src/Shop/Order.php": _php("Order"),
                      "public/index.php": "<?php\n$o = new Order();\n$o->fn2();\n"})
    trace = trace_signal(repo, UNCAUGHT)
    assert trace["src/Shop/Refund.php"] == 1.0 > trace["src/Shop/Order.php"] > trace["public/index.php"] > 0


def test_of_chained_php_exceptions_the_first_thrown_counts_most(frame_places):
    chained = ("PHP Fatal error:  Uncaught PDOException: no table in /var/www/src/Db.php:40\nStack trace:\n"
               "#0 /var/www/src/Shop/Order.php(12): App\\Db->query()\n#1 {main}\n\n"
               "Next RuntimeException: order not saved in /var/www/src/Shop/Order.php:14\nStack trace:\n"
               "#0 /var/www/public/index.php(3): App\\Shop\\Order->save()\n#1 {main}\n"
               "  thrown in /var/www/src/Shop/Order.php on line 14\n")
    assert frame_places(chained)[-3:] == [("Order.php", 14), ("Order.php", 12), ("Db.php", 40)]
