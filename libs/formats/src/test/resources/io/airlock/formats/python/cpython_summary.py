"""CPython's side of CPythonConformanceTest: walks the folders named as arguments ("stdlib" is this
interpreter's standard library) for .py files (skipping __pycache__, site-packages, dist-packages,
target and hidden folders) and writes a first line "python", its version and its stdlib, then per
file one line: the path, then "ok" and the tokens of the file's summary, or "error" and
CPython's message, tab-separated and escaped (see esc). The summary is a pre-order walk that visits
children in the order io.airlock.formats.python.Ast.children lists them, and gives each node the
token CPythonConformanceTest.Summary gives the node the project's parser builds for it, so the two
sequences are equal exactly when both parsers read the same names, attributes, calls, strings
(decoded), imports and definitions in the same places.
"""
import ast
import os
import platform
import sys
import sysconfig
import tokenize

BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
          ast.Pow: "**", ast.LShift: "<<", ast.RShift: ">>", ast.BitOr: "|", ast.BitXor: "^",
          ast.BitAnd: "&", ast.MatMult: "@"}
UNARY = {ast.UAdd: "+", ast.USub: "-", ast.Invert: "~", ast.Not: "not"}
CMP = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=",
       ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in"}

TYPE_PARAMS = {"TypeVar": "typevar", "TypeVarTuple": "typevartuple", "ParamSpec": "paramspec"}


def esc(s):
    """Printable ASCII but backslash kept; every other UTF-16 unit as \\u{hex}. Java strings are UTF-16:
    there a lone surrogate pair and the character it encodes are one string, so they compare equal."""
    b = s.encode("utf-16-le", "surrogatepass")
    units = (b[i] | b[i + 1] << 8 for i in range(0, len(b), 2))
    return "".join(chr(u) if 0x20 <= u <= 0x7e and u != 0x5c else "\\u{%x}" % u for u in units)


def params(a):
    """(name, kind, annotation, default) in source order, as the project's parser lists them."""
    plain = a.posonlyargs + a.args
    defaults = [None] * (len(plain) - len(a.defaults)) + list(a.defaults)
    out = [(p.arg, "plain", p.annotation, d) for p, d in zip(plain, defaults)]
    if a.vararg:
        out.append((a.vararg.arg, "varargs", a.vararg.annotation, None))
    out += [(p.arg, "plain", p.annotation, d) for p, d in zip(a.kwonlyargs, a.kw_defaults)]
    if a.kwarg:
        out.append((a.kwarg.arg, "kwargs", a.kwarg.annotation, None))
    return out


def fstring_text(j):
    """The text of an f-string's literal parts, format specs included, as one string."""
    out = []
    for v in j.values:
        if isinstance(v, ast.Constant):
            out.append(v.value)
        elif isinstance(v, ast.FormattedValue) and v.format_spec is not None:
            out.append(fstring_text(v.format_spec))
    return "".join(out)


def fstring_fields(j):
    """The expressions of an f-string's fields, nested format-spec fields after their own field."""
    out = []
    for v in j.values:
        if isinstance(v, ast.FormattedValue):
            out.append(v.value)
            if v.format_spec is not None:
                out += fstring_fields(v.format_spec)
    return out


class Summary:
    def __init__(self):
        self.tokens = []

    def emit(self, t):
        self.tokens.append(t)

    def all(self, nodes):
        for n in nodes:
            if n is not None:
                self.node(n)

    def body(self, stmts):
        self.all(stmts)

    def node(self, n):
        m = getattr(self, "n_" + type(n).__name__, None)
        if m is None:
            raise ValueError("no summary for " + type(n).__name__)
        m(n)

    # ---- expressions ----
    def n_Name(self, n):
        self.emit("N " + n.id)

    def n_Constant(self, n):
        v = n.value
        if isinstance(v, str):
            self.emit("S " + v)
        elif isinstance(v, bytes):
            self.emit("B " + v.decode("latin-1"))
        elif v is None or v is True or v is False:
            self.emit(str(v))
        elif v is Ellipsis:
            self.emit("...")
        else:
            self.emit("#")

    def n_JoinedStr(self, n):
        self.emit("F " + fstring_text(n))
        self.all(fstring_fields(n))

    def n_Attribute(self, n):
        self.emit("A " + n.attr)
        self.node(n.value)

    def n_Call(self, n):
        self.emit("C " + ",".join(k.arg or "**" for k in n.keywords))
        self.node(n.func)
        self.all(n.args)
        self.all(k.value for k in n.keywords)

    def n_Subscript(self, n):
        self.emit("[]")
        self.node(n.value)
        self.node(n.slice)

    def n_Slice(self, n):
        self.emit(":")
        self.all([n.lower, n.upper, n.step])

    def n_BinOp(self, n):
        self.emit("op " + BINOPS[type(n.op)])
        self.node(n.left)
        self.node(n.right)

    def n_UnaryOp(self, n):
        self.emit("unary " + UNARY[type(n.op)])
        self.node(n.operand)

    def n_BoolOp(self, n):
        self.emit("bool " + ("and" if isinstance(n.op, ast.And) else "or"))
        self.all(n.values)

    def n_Compare(self, n):
        self.emit("cmp " + ",".join(CMP[type(o)] for o in n.ops))
        self.node(n.left)
        self.all(n.comparators)

    def n_IfExp(self, n):
        self.emit("ifexp")
        self.all([n.test, n.body, n.orelse])

    def n_Lambda(self, n):
        ps = params(n.args)
        self.emit("lambda " + ",".join(p[0] + ":" + p[1] for p in ps))
        for p in ps:
            self.all([p[2], p[3]])
        self.node(n.body)

    def seq(self, kind, n):
        self.emit(kind)
        self.all(n.elts)

    def n_List(self, n):
        self.seq("list", n)

    def n_Tuple(self, n):
        self.seq("tuple", n)

    def n_Set(self, n):
        self.seq("set", n)

    def n_Dict(self, n):
        self.emit("dict")
        for k, v in zip(n.keys, n.values):
            self.all([k, v])

    def comp(self, kind, n, elt, value):
        self.emit("comp " + kind + " " + ",".join("async" if g.is_async else "for" for g in n.generators))
        self.all([elt, value])
        for g in n.generators:
            self.node(g.target)
            self.node(g.iter)
            self.all(g.ifs)

    def n_ListComp(self, n):
        self.comp("list", n, n.elt, None)

    def n_SetComp(self, n):
        self.comp("set", n, n.elt, None)

    def n_GeneratorExp(self, n):
        self.comp("gen", n, n.elt, None)

    def n_DictComp(self, n):
        self.comp("dict", n, n.key, n.value)

    def n_Starred(self, n):
        self.emit("*")
        self.node(n.value)

    def n_NamedExpr(self, n):
        self.emit(":=")
        self.all([n.target, n.value])

    def n_Await(self, n):
        self.emit("await")
        self.node(n.value)

    def n_Yield(self, n):
        self.emit("yield")
        self.all([n.value])

    def n_YieldFrom(self, n):
        self.emit("yield from")
        self.node(n.value)

    # ---- statements ----
    def n_Expr(self, n):
        self.emit("expr")
        self.node(n.value)

    def n_Assign(self, n):
        self.emit("= %d" % len(n.targets))
        self.all(n.targets)
        self.node(n.value)

    def n_AugAssign(self, n):
        self.emit("aug " + BINOPS[type(n.op)])
        self.all([n.target, n.value])

    def n_AnnAssign(self, n):
        self.emit("ann")
        self.all([n.target, n.annotation, n.value])

    def type_params(self, n):
        """PEP 695 (3.12+): ' [name:kind,...]' for the token; bounds and defaults walked by walk_type_params."""
        tps = getattr(n, "type_params", None) or []
        return " [" + ",".join(t.name + ":" + TYPE_PARAMS[type(t).__name__] for t in tps) + "]" if tps else ""

    def walk_type_params(self, n):
        for t in getattr(n, "type_params", None) or []:
            self.all([getattr(t, "bound", None), getattr(t, "default_value", None)])

    def n_TypeAlias(self, n):
        self.emit("type" + self.type_params(n))
        self.node(n.name)
        self.walk_type_params(n)
        self.node(n.value)

    def definition(self, kind, n):
        ps = params(n.args)
        self.emit(kind + " " + n.name + self.type_params(n) + " " + ",".join(p[0] + ":" + p[1] for p in ps))
        self.all(n.decorator_list)
        self.walk_type_params(n)
        for p in ps:
            self.all([p[2], p[3]])
        self.all([n.returns])
        self.body(n.body)

    def n_FunctionDef(self, n):
        self.definition("def", n)

    def n_AsyncFunctionDef(self, n):
        self.definition("async def", n)

    def n_ClassDef(self, n):
        self.emit("class " + n.name + self.type_params(n) + " " + ",".join(k.arg or "**" for k in n.keywords))
        self.all(n.decorator_list)
        self.walk_type_params(n)
        self.all(n.bases)
        self.all(k.value for k in n.keywords)
        self.body(n.body)

    def n_Return(self, n):
        self.emit("return")
        self.all([n.value])

    def n_If(self, n):
        self.emit("if")
        self.node(n.test)
        self.body(n.body)
        self.body(n.orelse)

    def loop(self, kind, n):
        self.emit(kind)
        self.node(n.target)
        self.node(n.iter)
        self.body(n.body)
        self.body(n.orelse)

    def n_For(self, n):
        self.loop("for", n)

    def n_AsyncFor(self, n):
        self.loop("async for", n)

    def n_While(self, n):
        self.emit("while")
        self.node(n.test)
        self.body(n.body)
        self.body(n.orelse)

    def with_(self, kind, n):
        self.emit(kind + " %d" % len(n.items))
        for i in n.items:
            self.all([i.context_expr, i.optional_vars])
        self.body(n.body)

    def n_With(self, n):
        self.with_("with", n)

    def n_AsyncWith(self, n):
        self.with_("async with", n)

    def n_Try(self, n):
        self.emit("try " + ",".join(h.name or "" for h in n.handlers))
        self.body(n.body)
        for h in n.handlers:
            self.all([h.type])
            self.body(h.body)
        self.body(n.orelse)
        self.body(n.finalbody)

    n_TryStar = n_Try

    def n_Import(self, n):
        self.emit("import " + ",".join(a.name + ("" if a.asname is None else " as " + a.asname) for a in n.names))

    def n_ImportFrom(self, n):
        self.emit("from %d %s import " % (n.level, n.module or "")
                  + ",".join(a.name + ("" if a.asname is None else " as " + a.asname) for a in n.names))

    def n_Global(self, n):
        self.emit("global " + ",".join(n.names))

    def n_Nonlocal(self, n):
        self.emit("nonlocal " + ",".join(n.names))

    def n_Raise(self, n):
        self.emit("raise")
        self.all([n.exc, n.cause])

    def n_Delete(self, n):
        self.emit("del %d" % len(n.targets))
        self.all(n.targets)

    def n_Assert(self, n):
        self.emit("assert")
        self.all([n.test, n.msg])

    def n_Pass(self, n):
        self.emit("pass")

    def n_Break(self, n):
        self.emit("break")

    def n_Continue(self, n):
        self.emit("continue")

    def n_Match(self, n):
        self.emit("match")
        self.node(n.subject)
        for c in n.cases:
            self.emit("case" + (" if" if c.guard is not None else ""))
            self.pattern(c.pattern)
            self.all([c.guard])
            self.body(c.body)

    # ---- patterns, as the project's parser reads them into expressions ----
    def pattern(self, p):
        if isinstance(p, ast.MatchValue):
            self.node(p.value)
        elif isinstance(p, ast.MatchSingleton):
            self.emit(str(p.value))
        elif isinstance(p, ast.MatchSequence):
            self.emit("pseq")
            for x in p.patterns:
                self.pattern(x)
        elif isinstance(p, ast.MatchStar):
            self.emit("*")
            self.emit("N " + (p.name or "_"))
        elif isinstance(p, ast.MatchMapping):
            self.emit("pmap")
            for k, v in zip(p.keys, p.patterns):
                self.node(k)
                self.pattern(v)
            if p.rest is not None:
                self.emit("N " + p.rest)
        elif isinstance(p, ast.MatchClass):
            self.emit("pclass " + ",".join(p.kwd_attrs))
            self.node(p.cls)
            for x in p.patterns + p.kwd_patterns:
                self.pattern(x)
        elif isinstance(p, ast.MatchAs):
            if p.pattern is None:
                self.emit("N " + (p.name or "_"))
            else:
                self.emit("as")
                self.emit("N " + p.name)
                self.pattern(p.pattern)
        elif isinstance(p, ast.MatchOr):
            # the project's parser nests alternatives to the left: a | b | c is (a | b) | c
            for _ in p.patterns[1:]:
                self.emit("por")
            for x in p.patterns:
                self.pattern(x)
        else:
            raise ValueError("no summary for pattern " + type(p).__name__)


def summarize(path):
    with open(path, "rb") as f:
        raw = f.read()
    try:
        encoding = tokenize.detect_encoding(iter(raw.splitlines(True)).__next__)[0]
        tree = ast.parse(raw, path)
    except (SyntaxError, ValueError, UnicodeError) as e:
        return ["error", type(e).__name__ + ": " + str(e)]
    s = Summary()
    s.body(tree.body)
    return ["ok", encoding] + s.tokens


SKIP = {"__pycache__", "site-packages", "dist-packages", "target", "node_modules"}


def files(root):
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP and not d.startswith("."))
        for name in sorted(names):
            if name.endswith(".py"):
                yield os.path.join(folder, name)


def main():
    out = sys.stdout
    stdlib = sysconfig.get_paths()["stdlib"]
    out.write("\t".join(esc(x) for x in ["python", platform.python_version(), stdlib]) + "\n")
    for root in sys.argv[1:]:
        for path in files(stdlib if root == "stdlib" else root):
            out.write("\t".join(esc(x) for x in [path] + summarize(path)) + "\n")


if __name__ == "__main__":
    main()
