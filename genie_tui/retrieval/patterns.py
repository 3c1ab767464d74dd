"""The tree-sitter query patterns of each language: definitions, references, imports and CommonJS exports.

Captures: ``@def.<kind>`` (class, function, method, module, value: a named constant or variable; declaration: a
C or C++ function declared without a body, which extract keeps apart) with ``@name``
(or named by extract._named_by_field), ``@ref``, ``@import``, ``@export.default``, ``@require``, ``@cjs.export``,
``@cjs.define``; a name starting with ``_`` is a predicate's. langs.grammar compiles them, dropping a pattern the
installed grammar rejects on its own.
"""

from __future__ import annotations

_REF_IDS = "[(identifier) (type_identifier) (field_identifier) (property_identifier)] @ref"

_WRAPPED = ("(variable_declarator name: (identifier) @name value: (call_expression arguments: (arguments"
            " [(arrow_function) (function_expression)]))) @def.function")
# ``typedef void (*free_fn)(void *ptr);``: a function pointer's type, as ``typedef int count_t;`` is a type
_C_FN_POINTER_TYPEDEF = ("(type_definition declarator: (function_declarator declarator: (parenthesized_declarator"
                         " (pointer_declarator declarator: (type_identifier) @name)))) @def.class")
_JS_VALUE = ("(variable_declarator name: (identifier) @name value: [(number) (string) (template_string) (object)"
             " (array) (true) (false) (null) (regex) (binary_expression) (unary_expression) (member_expression)"
             " (new_expression) (identifier) (parenthesized_expression) (ternary_expression)]) @def.value")
# ``#define BUF_SIZE 1024``, a named value as a ``const`` is elsewhere; not an include guard (``#define LIMITS_H``)
_C_CONSTANT_MACRO = "(preproc_def name: (identifier) @name value: (_)) @def.value"


def _fn_declarators(name: str) -> tuple[str, ...]:
    """The declarators of a C or C++ function named by ``name``: ``f()``, ``*f()``, ``**f()``, ``&f()``."""
    fn = f"(function_declarator declarator: {name} @name)"
    return (fn, f"(pointer_declarator declarator: {fn})",
            f"(pointer_declarator declarator: (pointer_declarator declarator: {fn}))", f"(reference_declarator {fn})")


PATTERNS: dict[str, list[str]] = {
    "python": [
        "(class_definition name: (identifier) @name) @def.class",
        "(function_definition name: (identifier) @name) @def.function",
        "(type_alias_statement left: (type (identifier) @name)) @def.class",  # Python 3.12's ``type Vector = ...``
        # a module's or a class's named value (``MAX_RETRIES = 3``, ``timeout: float = 5.0``, ``A = B = 0``); not
        # a function's own, nor ``__all__`` and the like (extract drops dunder values), nor ``x.y = 1``
        *(wrap.format('(expression_statement (assignment left: (identifier) @name) @def.value)'
                      ' (#not-match? @name "^__")')
          for wrap in ("(module {})", "(class_definition body: (block {}))")),
        "(identifier) @ref",
        "(import_statement) @import",
        "(import_from_statement) @import",
    ],
    "javascript": [
        "(class_declaration name: (_) @name) @def.class",
        "(function_declaration name: (identifier) @name) @def.function",
        "(generator_function_declaration name: (identifier) @name) @def.function",
        "(method_definition name: (_) @name) @def.method",
        "(variable_declarator name: (identifier) @name value: [(arrow_function) (function_expression)]) @def.function",
        # ``res.send = function send(body) {}``, ``Router.prototype.use = (fn) => {}`` and the chained
        # ``req.get = req.header = function header(name) {}``: methods as pre-class JavaScript writes them (the
        # owner is what is left of the name, see owner.owner_of); ``exports.x = ...`` is CommonJS's, below
        *(('((assignment_expression left: (member_expression property: (property_identifier) @name) @_lhs'
           f' right: {value}) @def.method'
           # a query string reads \s as s and \. as .: the regex's \s and \. are \\s and \\. there
           ' (#not-match? @_lhs "^(module\\\\s*\\\\.\\\\s*)?exports(\\\\s*\\\\.\\\\s*[A-Za-z_$][A-Za-z0-9_$]*)?$"))')
          for value in ("[(function_expression) (arrow_function) (generator_function)]",
                        "(assignment_expression right: [(function_expression) (arrow_function) (generator_function)])")),
        # ``class A { onClick = () => {} }``: a field holding a function is a method (TypeScript's is below)
        # (also under a computed name, ``['load'] = () => {}``, which extract._name_of reads as methods' are)
        ("(field_definition property: [(property_identifier) (private_property_identifier) (computed_property_name)]"
         " @name value: [(arrow_function) (function_expression)]) @def.method"),
        # a module-level function through a wrapper (``const View = memo(function View() {})``), not a callback
        *(f"(program {wrap.format(decl=decl, wrapped=_WRAPPED)})"
          for decl in ("lexical_declaration", "variable_declaration")
          for wrap in ("({decl} {wrapped})", "(export_statement declaration: ({decl} {wrapped}))")),
        # a module's named value (``const LIMIT = 10``, ``export const ROUTES = [...]``, ``var config = {...}``), each
        # name its own; not a function (above), a class, nor what a call returns (``require('x')``, a wrapper)
        *(f"(program {wrap.format(decl=decl, value=_JS_VALUE)})"
          for decl in ("lexical_declaration", "variable_declaration")
          for wrap in ("({decl} {value})", "(export_statement declaration: ({decl} {value}))")),
        # ``var utils = { merge: function (a, b) {} }``, ``Router.prototype = { use: function () {} }``; an arrow
        # function only in an object a name holds (``{ onDone: () => ... }`` passed to a call is a callback); a key
        # may be a string that reads as a name (``'save': function () {}``, ``"fetch-all": ...``: extract._name_of)
        ("(pair key: [(property_identifier) (string)] @name value: [(function_expression) (generator_function)])"
         " @def.method"),
        ("(variable_declarator value: (object (pair key: [(property_identifier) (string)] @name"
         " value: (arrow_function)) @def.method))"),
        # ``{ Widget }`` in ``const { Widget } = require('./w')`` and ``module.exports = { Widget }`` names it too
        ("[(identifier) (property_identifier) (private_property_identifier) (shorthand_property_identifier)"
         " (shorthand_property_identifier_pattern)] @ref"),
        "(import_statement) @import",
        "(export_statement source: (_)) @import",  # a re-export: ``export { Widget as W } from './widget'``
        "(export_statement (export_clause) !source) @import",  # ``export { Widget as W }`` of an import
        # ``export default class Widget {}`` / ``export default Widget;``: the file's ``default`` is Widget
        '(export_statement "default" declaration: (_ name: (_) @export.default))',
        '(export_statement "default" value: (identifier) @export.default)',
        # ``export default function () {}``, ``export default class {}``: JavaScript names them ``default``
        ('(export_statement "default" @name value: [(function_expression) (arrow_function) (generator_function)]'
         ' @def.function)'),
        '(export_statement "default" @name value: (class) @def.class)',
        # CommonJS (see commonjs.py): what ``require('./w')`` binds, what ``module.exports`` is assigned
        # (its one argument, a string, is checked there: comments may come with it, ``require(/* why */ './w')``)
        '((call_expression function: (identifier) @_req arguments: (arguments (string))) @require (#eq? @_req "require"))',
        ('((assignment_expression left: (member_expression) @_lhs) @cjs.export'
         # a query string reads \s as s and \. as .: the regex's \s and \. are \\s and \\. there
         ' (#match? @_lhs "^(module\\\\s*\\\\.\\\\s*)?exports(\\\\s*\\\\.\\\\s*[A-Za-z_$][A-Za-z0-9_$]*)?$"))'),
        # ``exports['X'] = ...``, ``module.exports['X'] = ...``
        ('((assignment_expression left: (subscript_expression object: (_) @_obj index: (string))) @cjs.export'
         ' (#match? @_obj "^(module\\\\s*\\\\.\\\\s*)?exports$"))'),
        # ``Object.defineProperty(exports, 'X', {...})``, what TypeScript compiles a re-export to
        ('((call_expression function: (member_expression) @_fn arguments: (arguments (object))) @cjs.define'
         ' (#match? @_fn "^Object\\\\s*\\\\.\\\\s*defineProperty$"))'),
    ],
    "go": [
        "(function_declaration name: (identifier) @name) @def.function",
        "(method_declaration name: (field_identifier) @name) @def.method",
        "(type_spec name: (type_identifier) @name) @def.class",
        "(type_alias name: (type_identifier) @name) @def.class",  # ``type ID = string``, as Rust's is
        # an interface's methods (``Read`` of ``type Reader interface { Read(p []byte) (int, error) }``); the
        # grammar called them method_spec before 0.21
        "(method_elem name: (field_identifier) @name) @def.method",
        "(method_spec name: (field_identifier) @name) @def.method",
        # a file's ``const`` and ``var``, each name its own (also of a group, ``const ( A = iota; B )``, and of
        # ``Low, High = 1, 2``; not ``_``): named by extract._named_by_field; not a function's own
        "(source_file (const_declaration (const_spec) @def.value))",
        "(source_file (var_declaration [(var_spec) @def.value (var_spec_list (var_spec) @def.value)]))",
        "[(identifier) (type_identifier) (field_identifier)] @ref",
        "(import_spec) @import",
    ],
    "rust": [
        "(function_item name: (identifier) @name) @def.function",
        "(function_signature_item name: (identifier) @name) @def.function",
        "(struct_item name: (type_identifier) @name) @def.class",
        "(enum_item name: (type_identifier) @name) @def.class",
        "(trait_item name: (type_identifier) @name) @def.class",
        "(union_item name: (type_identifier) @name) @def.class",
        "(type_item name: (type_identifier) @name) @def.class",  # ``type Alias = ...``, as TypeScript's is
        "(associated_type name: (type_identifier) @name) @def.class",  # a trait's ``type Item;``: ``Storage.Item``
        "(mod_item name: (identifier) @name) @def.module",
        "(macro_definition name: (identifier) @name) @def.function",
        # ``const MAX: u32 = 5;``, ``static NAMES: &[&str] = &[...]``: in a file, a ``mod``, an ``impl`` (an associated
        # const, ``Meters.ZERO``: owner.owner_of) or a trait; not a function's own
        *(f"({parent} [(const_item name: (identifier) @name) (static_item name: (identifier) @name)] @def.value)"
          for parent in ("source_file", "declaration_list")),
        _REF_IDS,
        "(use_declaration) @import",
    ],
    "java": [
        "(class_declaration name: (identifier) @name) @def.class",
        "(interface_declaration name: (identifier) @name) @def.class",
        "(enum_declaration name: (identifier) @name) @def.class",
        "(record_declaration name: (identifier) @name) @def.class",
        "(method_declaration name: (identifier) @name) @def.method",
        "(constructor_declaration name: (identifier) @name) @def.method",
        # ``public @interface Retry { int times() default 3; }``: an annotation type and its elements
        "(annotation_type_declaration name: (identifier) @name) @def.class",
        "(annotation_type_element_declaration name: (identifier) @name) @def.method",
        # a record's compact constructor, ``public Point { if (x < 0) throw ...; }``
        "(compact_constructor_declaration name: (identifier) @name) @def.method",
        # a ``static final`` field (``static final int MAX_RETRIES = 3;``), a class's constant; an interface's
        # fields are constants without saying so
        # (each name its own: ``static final String A = "a", B = "b";``)
        ('((field_declaration (modifiers) @_mods declarator: (variable_declarator name: (identifier) @name) @def.value)'
         ' (#match? @_mods "static") (#match? @_mods "final"))'),
        "(constant_declaration declarator: (variable_declarator name: (identifier) @name) @def.value)",
        "[(identifier) (type_identifier)] @ref",
        "(import_declaration) @import",
    ],
    "c": [
        "(function_definition declarator: (function_declarator declarator: (identifier) @name)) @def.function",
        ("(function_definition declarator: (pointer_declarator declarator: (function_declarator"
         " declarator: (identifier) @name))) @def.function"),
        ("(function_definition declarator: (pointer_declarator declarator: (pointer_declarator declarator:"
         " (function_declarator declarator: (identifier) @name)))) @def.function"),  # char **split(...)
        "(struct_specifier name: (type_identifier) @name body: (_)) @def.class",
        "(enum_specifier name: (type_identifier) @name body: (_)) @def.class",
        "(union_specifier name: (type_identifier) @name body: (_)) @def.class",
        "(type_definition declarator: (type_identifier) @name) @def.class",
        _C_FN_POINTER_TYPEDEF,
        "(preproc_function_def name: (identifier) @name) @def.function",
        _C_CONSTANT_MACRO,
        # a prototype (``int plat_init(void);``): go to definition's answer where no body is found (see declared.py);
        # C has no ``&f()``
        *(f"(declaration declarator: {d}) @def.declaration" for d in _fn_declarators("(identifier)")[:3]),
        "[(identifier) (type_identifier) (field_identifier)] @ref",
        "(preproc_include) @import",
    ],
    "cpp": [
        "(function_definition declarator: (function_declarator declarator: (_) @name)) @def.function",
        ("(function_definition declarator: (pointer_declarator declarator: (function_declarator"
         " declarator: (_) @name))) @def.function"),
        ("(function_definition declarator: (reference_declarator (function_declarator declarator: (_) @name)))"
         " @def.function"),
        ("(function_definition declarator: (pointer_declarator declarator: (pointer_declarator declarator:"
         " (function_declarator declarator: (_) @name)))) @def.function"),
        "(class_specifier name: (_) @name body: (_)) @def.class",
        "(struct_specifier name: (_) @name body: (_)) @def.class",
        "(enum_specifier name: (_) @name body: (_)) @def.class",
        "(union_specifier name: (_) @name body: (_)) @def.class",
        "(namespace_definition name: (_) @name) @def.module",
        # a pure virtual method (``virtual double area() const = 0;``), as an interface's methods are elsewhere
        *(f"(field_declaration declarator: {d} default_value: (number_literal)) @def.method"
          for d in _fn_declarators("[(field_identifier) (operator_name)]")),
        "(type_definition declarator: (type_identifier) @name) @def.class",
        _C_FN_POINTER_TYPEDEF,
        "(alias_declaration name: (type_identifier) @name) @def.class",  # ``using Callback = void (*)(int);``
        "(preproc_function_def name: (identifier) @name) @def.function",
        _C_CONSTANT_MACRO,
        # a prototype, also a class's member declared for a .cpp to define (``void draw();``): see declared.py
        *(f"(declaration declarator: {d}) @def.declaration"
          for d in _fn_declarators("[(identifier) (operator_name) (destructor_name)]")),
        *(f"(field_declaration declarator: {d} !default_value) @def.declaration"
          for d in _fn_declarators("[(field_identifier) (operator_name)]")),
        "[(identifier) (type_identifier) (field_identifier) (namespace_identifier)] @ref",
        "(preproc_include) @import",
    ],
    "ruby": [
        "(class name: (_) @name) @def.class",
        "(module name: (_) @name) @def.module",
        "(method name: (_) @name) @def.method",
        "(singleton_method name: (_) @name) @def.method",
        # a constant (``VERSION = "1.0"``, ``LIMITS = { ... }.freeze``) of a file, a class or a module
        "(assignment left: (constant) @name) @def.value",
        # methods a class body declares by a call: ``attr_reader :name, :email`` (each symbol), Rails'
        # ``scope :active, -> { ... }`` and associations, ``define_method(:reset)``
        ('((call !receiver method: (identifier) @_m arguments: (argument_list (simple_symbol) @name @def.method))'
         ' (#any-of? @_m "attr_accessor" "attr_reader" "attr_writer"))'),
        ('((call !receiver method: (identifier) @_m arguments: (argument_list . (simple_symbol) @name @def.method))'
         ' (#any-of? @_m "scope" "define_method" "has_many" "has_one" "belongs_to" "has_and_belongs_to_many"))'),
        "[(identifier) (constant)] @ref",
        # a method named by a symbol is a use of it: ``each(&:total)``, ``send(:total)``, ``before_action :login``
        "(simple_symbol) @ref",
        ('((call !receiver method: (identifier) @_req arguments: (argument_list . (string) .)) @import'
         ' (#match? @_req "^require(_relative)?$"))'),
    ],
    "csharp": [
        "(class_declaration name: (identifier) @name) @def.class",
        "(struct_declaration name: (identifier) @name) @def.class",
        "(interface_declaration name: (identifier) @name) @def.class",
        "(enum_declaration name: (identifier) @name) @def.class",
        "(record_declaration name: (identifier) @name) @def.class",
        "(method_declaration name: (identifier) @name) @def.method",
        "(constructor_declaration name: (identifier) @name) @def.method",
        "(property_declaration name: (identifier) @name) @def.method",
        "(delegate_declaration name: (identifier) @name) @def.class",  # a type, as a type alias is elsewhere
        # an event, as a property is: ``event EventHandler X { add {} remove {} }``, and each name of
        # ``event EventHandler Changed, Closed;`` (named by extract._named_by_field)
        "(event_declaration name: (identifier) @name) @def.method",
        "(event_field_declaration) @def.method",
        '(indexer_declaration "this" @name) @def.method',  # ``public T this[int i]``: ``List.this``
        # an operator, named by it as Swift's are (``public static Vector operator +(Vector a, Vector b)`` of
        # ``Vector`` is ``Vector.+``, ``operator true`` ``Vector.true``), and a conversion operator by its kind and the
        # type it converts to (``public static implicit operator int(Money m)`` of ``Money`` is ``Money.implicit int``,
        # ``explicit operator Money(decimal d)`` ``Money.explicit Money``; named by extract._name_of)
        "(operator_declaration operator: _ @name) @def.method",
        "(conversion_operator_declaration) @def.method",
        "(local_function_statement name: (identifier) @name) @def.function",
        # ``namespace Geo.Shapes { ... }`` and the file-scoped ``namespace Geo.Shapes;`` (which holds the rest of
        # the file, see extract._extent) are the module ``Shapes``
        *(f"({decl} name: {name}) @def.module"
          for decl in ("namespace_declaration", "file_scoped_namespace_declaration")
          for name in ("(identifier) @name", "(qualified_name name: (identifier) @name)")),
        "(identifier) @ref",
        "(using_directive) @import",
    ],
    "php": [
        "(class_declaration name: (name) @name) @def.class",
        "(interface_declaration name: (name) @name) @def.class",
        "(trait_declaration name: (name) @name) @def.class",
        "(enum_declaration name: (name) @name) @def.class",
        "(function_definition name: (name) @name) @def.function",
        "(method_declaration name: (name) @name) @def.method",
        # ``namespace App\Models { ... }``, or ``namespace App\Models;`` (that line, see extract._extent): ``Models``
        "(namespace_definition name: (namespace_name (name) @name .)) @def.module",
        "(name) @ref",
        "(namespace_use_declaration) @import",
    ],
    "kotlin": [
        "(class_declaration name: (identifier) @name) @def.class",  # also interface, enum, data and sealed
        "(object_declaration name: (identifier) @name) @def.class",
        "(companion_object name: (identifier) @name) @def.class",  # ``companion object Factory``: ``Point.Factory``
        '(secondary_constructor "constructor" @name) @def.method',  # ``Point.constructor``, as Swift's ``init``
        # a ``const val``, a named value as Rust's ``const`` is
        ('((property_declaration (modifiers (property_modifier) @_m) (variable_declaration (identifier) @name))'
         ' @def.value (#eq? @_m "const"))'),
        # a class the grammar (1.1) cannot read (a member half written; kotlin.reparse mends what it
        # misreads in valid code) is an error node that starts with its keyword and name: the class of its members
        '(ERROR . (modifiers)? . ["class" "interface" "object"] . (identifier) @name) @def.class',
        # the grammar reads ``@Entity\n@Table(name = "t")\nclass Row {...}`` (annotations alone on their lines,
        # then more code) as the expression ``class Row {...}``; ``class`` is a keyword, so no expression is that
        ('((infix_expression . (identifier) @_kw . (identifier) @name . (lambda_literal)) @def.class'
         ' (#match? @_kw "^(class|interface)$"))'),
        # a function; in a class or object a method, and an extension function ``fun String.shout()`` is a
        # method of its receiver type (owner.owner_of)
        "(function_declaration name: (identifier) @name) @def.function",
        # a property with a getter (a method in a class)
        "(property_declaration (variable_declaration (identifier) @name) (getter)) @def.function",
        "(type_alias type: (identifier) @name) @def.class",
        "(identifier) @ref",
        "(import) @import",
    ],
    "swift": [
        # class, struct, enum and actor; an ``extension Circle`` is one too, named by a type (user_type), not a
        # definition: its members are Circle's (owner.owner_of)
        "(class_declaration name: (type_identifier) @name) @def.class",
        "(protocol_declaration name: (type_identifier) @name) @def.class",
        "(typealias_declaration name: (type_identifier) @name) @def.class",
        # a function; in a type (or an extension of one) a method; also an operator (``static func ==``, ``prefix
        # func -``, ``func <*>``: ``Vector.==``). Named by extract._named_by_field: a pattern into
        # function_declaration takes ~110 ms to compile
        "(function_declaration) @def.function",
        "(protocol_function_declaration name: (simple_identifier) @name) @def.method",
        '(init_declaration "init" @name) @def.method',  # ``Circle.init``
        '(subscript_declaration "subscript" @name) @def.method',  # ``Matrix.subscript``, also a protocol's
        # each case of an enum, a member of it (``Direction.north`` of ``case north, south``, ``case value(Int)``;
        # named by extract._named_by_field)
        "(enum_entry) @def.method",
        # a property of a type (or an extension of one), stored or computed: ``var x: Int``, ``static let shared =
        # C()``, ``lazy var``, each name of ``let y, z: Int`` and of ``var (a, b) = (1, 2)``, ``var area: Double { r * r
        # }`` (``Point.x``, ``C.shared``); elsewhere only a computed one, not a function's local variable. Named and
        # told apart by extract._named_by_field (patterns into property_declaration take ~20 ms each to compile)
        "(property_declaration) @def.function",
        "(protocol_property_declaration name: (pattern bound_identifier: (simple_identifier) @name)) @def.method",
        "[(simple_identifier) (type_identifier)] @ref",
        "(import_declaration) @import",
    ],
    "scala": [
        "(class_definition name: (identifier) @name) @def.class",  # also a case class
        "(object_definition name: (identifier) @name) @def.class",  # also a case object
        "(trait_definition name: (identifier) @name) @def.class",
        "(enum_definition name: (identifier) @name) @def.class",
        "(given_definition name: (identifier) @name) @def.class",  # ``given intOrd: Ordering[Int] with``
        "(type_definition name: (type_identifier) @name) @def.class",
        "(package_object name: (identifier) @name) @def.module",
        # a def (abstract or not), also a symbolic one (``def +(o: Vec)``, ``def ::``; ``def unary_-`` is an
        # identifier) and an auxiliary constructor (``def this(x: Int)`` of ``Point`` is ``Point.this``, as C#'s
        # indexer is); in a class, object or trait a method, and in Scala 3's ``extension (s: String)`` a method of
        # that type (owner.owner_of)
        "(function_definition name: [(identifier) (operator_identifier)] @name) @def.function",
        "(function_declaration name: [(identifier) (operator_identifier)] @name) @def.function",
        # a val or var of a class, object, trait, enum, given or package, or of the file (not a def's local one): a
        # method or function as a def is (``val Default = 3``, ``lazy val norm``, each of ``val a, b = 1`` and of an
        # abstract ``val m, n: Int``, each name a pattern binds: ``a`` and ``b`` of ``val (a, b) = pair`` and of
        # ``val Point(a, b) = p``). Named and told from a local val by extract._named_by_field: patterns into their
        # parents take ~15 ms each to compile
        "(val_definition) @def.function",
        "(var_definition) @def.function",
        "(val_declaration) @def.function",
        "(var_declaration) @def.function",
        # each case of a Scala 3 enum, a member of it (``Color.Red`` of ``case Red, Green``, ``Color.Rgb`` of
        # ``case Rgb(r: Int)``; named by extract._named_by_field)
        "(simple_enum_case) @def.method",
        "(full_enum_case) @def.method",
        "[(identifier) (type_identifier)] @ref",
        "(import_declaration) @import",
    ],
}
_TS_EXTRA = [
    ("(public_field_definition name: [(property_identifier) (private_property_identifier) (computed_property_name)]"
     " @name value: [(arrow_function) (function_expression)]) @def.method"),
    "(interface_declaration name: (type_identifier) @name) @def.class",
    "(type_alias_declaration name: (type_identifier) @name) @def.class",
    "(enum_declaration name: (identifier) @name) @def.class",
    "(abstract_class_declaration name: (type_identifier) @name) @def.class",
    "(method_signature name: (_) @name) @def.method",
    "(abstract_method_signature name: (_) @name) @def.method",  # ``abstract run(): void;``
    # ``namespace Geo { ... }`` (also the older ``module Geo``); ``namespace Geo.Shapes`` is the module ``Shapes``
    "(internal_module name: [(identifier) @name (nested_identifier property: (_) @name)]) @def.module",
    "(module name: (identifier) @name) @def.module",
    "(function_signature name: (identifier) @name) @def.function",
    "(type_identifier) @ref",
    '(export_statement "=") @cjs.export',  # ``export = Widget`` is ``module.exports = Widget``, see commonjs.py
]
PATTERNS["typescript"] = PATTERNS["javascript"] + _TS_EXTRA
PATTERNS["tsx"] = PATTERNS["typescript"]
