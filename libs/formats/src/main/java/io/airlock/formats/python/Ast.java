package io.airlock.formats.python;

import java.util.ArrayList;
import java.util.List;

/**
 * The syntax tree: expressions and statements as records, each with the line it starts on.
 * {@link #children(Object)} lists a node's direct sub-nodes, so rules walk any tree the same way.
 */
public final class Ast {
    private Ast() {
    }

    public interface Node {
        int line();
    }

    public interface Expr extends Node {
    }

    public interface Stmt extends Node {
    }

    // ---- expressions ----
    public record Name(String id, int line) implements Expr {
    }

    /** A literal; {@code kind} is str, bytes, num, None, True, False or Ellipsis; value is its text. */
    public record Const(String kind, String value, int line) implements Expr {
        public boolean isStr() {
            return kind.equals("str");
        }
    }

    /**
     * An f-string: its text as CPython's JoinedStr holds it (literal parts decoded, format specs and
     * the source text of {@code =} debug fields included), and the expressions of its replacement fields.
     */
    public record FStr(String literal, List<Expr> values, int line) implements Expr {
    }

    public record Attr(Expr value, String attr, int line) implements Expr {
    }

    public record Keyword(String name, Expr value) {
        /** {@code **mapping} has no name. */
        public boolean isDoubleStar() {
            return name == null;
        }
    }

    public record Call(Expr func, List<Expr> args, List<Keyword> keywords, int line) implements Expr {
        public Expr keyword(String name) {
            for (Keyword k : keywords) {
                if (name.equals(k.name())) {
                    return k.value();
                }
            }
            return null;
        }
    }

    public record Subscript(Expr value, Expr index, int line) implements Expr {
    }

    public record Slice(Expr lower, Expr upper, Expr step, int line) implements Expr {
    }

    public record BinOp(Expr left, String op, Expr right, int line) implements Expr {
    }

    public record Unary(String op, Expr operand, int line) implements Expr {
    }

    public record BoolOp(String op, List<Expr> values, int line) implements Expr {
    }

    public record Compare(Expr left, List<String> ops, List<Expr> comparators, int line) implements Expr {
    }

    public record IfExp(Expr test, Expr body, Expr orElse, int line) implements Expr {
    }

    public record Lambda(List<Param> params, Expr body, int line) implements Expr {
    }

    /** A list, tuple or set display ({@code kind} list, tuple, set). */
    public record Seq(String kind, List<Expr> elts, int line) implements Expr {
    }

    /** A dict display; a null key is a {@code **mapping}. */
    public record Dict(List<Expr> keys, List<Expr> values, int line) implements Expr {
    }

    public record CompFor(Expr target, Expr iter, List<Expr> ifs, boolean async) {
    }

    /** A comprehension ({@code kind} list, set, dict, gen); {@code value} only for dict. */
    public record Comp(String kind, Expr elt, Expr value, List<CompFor> generators, int line) implements Expr {
    }

    public record Starred(Expr value, boolean doubleStar, int line) implements Expr {
    }

    public record NamedExpr(Expr target, Expr value, int line) implements Expr {
    }

    public record Await(Expr value, int line) implements Expr {
    }

    public record Yield(Expr value, boolean from, int line) implements Expr {
    }

    // ---- statements ----
    public record Param(String name, Expr annotation, Expr defaultValue, String kind) {
    }

    public record ExprStmt(Expr value, int line) implements Stmt {
    }

    public record Assign(List<Expr> targets, Expr value, int line) implements Stmt {
    }

    public record AugAssign(Expr target, String op, Expr value, int line) implements Stmt {
    }

    public record AnnAssign(Expr target, Expr annotation, Expr value, int line) implements Stmt {
    }

    /**
     * A PEP 695 type parameter ({@code kind} typevar, typevartuple for {@code *Ts}, paramspec for
     * {@code **P}) with its bound or constraints and its PEP 696 default; both may be null.
     */
    public record TypeParam(String name, String kind, Expr bound, Expr defaultValue) {
    }

    /** A function; {@code typeParams} are the PEP 695 ones of {@code def f[T](x: T)}. */
    public record FunctionDef(String name, List<Param> params, Expr returns, List<Stmt> body, List<Expr> decorators,
                              boolean async, List<TypeParam> typeParams, int line) implements Stmt {
        public FunctionDef(String name, List<Param> params, Expr returns, List<Stmt> body, List<Expr> decorators,
                           boolean async, int line) {
            this(name, params, returns, body, decorators, async, List.of(), line);
        }
    }

    /** A class; {@code typeParams} are the PEP 695 ones of {@code class C[T: int = str]}. */
    public record ClassDef(String name, List<Expr> bases, List<Keyword> keywords, List<Stmt> body,
                           List<Expr> decorators, List<TypeParam> typeParams, int line) implements Stmt {
        public ClassDef(String name, List<Expr> bases, List<Keyword> keywords, List<Stmt> body, List<Expr> decorators,
                        int line) {
            this(name, bases, keywords, body, decorators, List.of(), line);
        }
    }

    /** {@code type Alias[T] = value} (PEP 695; {@code type} is a soft keyword). */
    public record TypeAlias(Name name, List<TypeParam> typeParams, Expr value, int line) implements Stmt {
    }

    /** {@code match subject:} with its cases; patterns are expressions (captures are names, class patterns calls). */
    public record Match(Expr subject, List<MatchCase> cases, int line) implements Stmt {
    }

    public record MatchCase(Expr pattern, Expr guard, List<Stmt> body, int line) {
    }

    public record Return(Expr value, int line) implements Stmt {
    }

    public record If(Expr test, List<Stmt> body, List<Stmt> orElse, int line) implements Stmt {
    }

    public record For(Expr target, Expr iter, List<Stmt> body, List<Stmt> orElse, boolean async, int line) implements Stmt {
    }

    public record While(Expr test, List<Stmt> body, List<Stmt> orElse, int line) implements Stmt {
    }

    public record WithItem(Expr context, Expr target) {
    }

    public record With(List<WithItem> items, List<Stmt> body, boolean async, int line) implements Stmt {
    }

    public record Handler(Expr type, String name, List<Stmt> body, int line) {
    }

    public record Try(List<Stmt> body, List<Handler> handlers, List<Stmt> orElse, List<Stmt> finalBody, int line)
            implements Stmt {
    }

    public record Alias(String name, String asName) {
        /** The name the import binds in the namespace. */
        public String bound() {
            return asName != null ? asName : name.contains(".") ? name.substring(0, name.indexOf('.')) : name;
        }
    }

    public record Import(List<Alias> names, int line) implements Stmt {
    }

    /** {@code from module import names}; {@code level} counts leading dots; a name "*" imports all. */
    public record ImportFrom(String module, List<Alias> names, int level, int line) implements Stmt {
    }

    public record Global(List<String> names, int line) implements Stmt {
    }

    public record Nonlocal(List<String> names, int line) implements Stmt {
    }

    public record Raise(Expr exc, Expr cause, int line) implements Stmt {
    }

    public record Delete(List<Expr> targets, int line) implements Stmt {
    }

    public record Assert(Expr test, Expr msg, int line) implements Stmt {
    }

    /** pass, break, continue. */
    public record Simple(String keyword, int line) implements Stmt {
    }

    public record PyModule(List<Stmt> body) {
    }

    /** The direct sub-nodes (expressions and statements) of a node, in source order. */
    public static List<Node> children(Node n) {
        List<Node> c = new ArrayList<>();
        if (n instanceof Attr a) {
            c.add(a.value());
        } else if (n instanceof Call x) {
            c.add(x.func());
            c.addAll(x.args());
            x.keywords().forEach(k -> c.add(k.value()));
        } else if (n instanceof FStr f) {
            c.addAll(f.values());
        } else if (n instanceof Subscript s) {
            c.add(s.value());
            c.add(s.index());
        } else if (n instanceof Slice s) {
            add(c, s.lower());
            add(c, s.upper());
            add(c, s.step());
        } else if (n instanceof BinOp b) {
            c.add(b.left());
            c.add(b.right());
        } else if (n instanceof Unary u) {
            c.add(u.operand());
        } else if (n instanceof BoolOp b) {
            c.addAll(b.values());
        } else if (n instanceof Compare x) {
            c.add(x.left());
            c.addAll(x.comparators());
        } else if (n instanceof IfExp x) {
            c.add(x.test());
            c.add(x.body());
            c.add(x.orElse());
        } else if (n instanceof Lambda l) {
            params(c, l.params());
            c.add(l.body());
        } else if (n instanceof Seq s) {
            c.addAll(s.elts());
        } else if (n instanceof Dict d) {
            for (int i = 0; i < d.keys().size(); i++) {
                add(c, d.keys().get(i));
                c.add(d.values().get(i));
            }
        } else if (n instanceof Comp x) {
            c.add(x.elt());
            add(c, x.value());
            for (CompFor g : x.generators()) {
                c.add(g.target());
                c.add(g.iter());
                c.addAll(g.ifs());
            }
        } else if (n instanceof Starred s) {
            c.add(s.value());
        } else if (n instanceof NamedExpr x) {
            c.add(x.target());
            c.add(x.value());
        } else if (n instanceof Await a) {
            c.add(a.value());
        } else if (n instanceof Yield y) {
            add(c, y.value());
        } else if (n instanceof ExprStmt e) {
            c.add(e.value());
        } else if (n instanceof Assign a) {
            c.addAll(a.targets());
            c.add(a.value());
        } else if (n instanceof AugAssign a) {
            c.add(a.target());
            c.add(a.value());
        } else if (n instanceof AnnAssign a) {
            c.add(a.target());
            c.add(a.annotation());
            add(c, a.value());
        } else if (n instanceof FunctionDef f) {
            c.addAll(f.decorators());
            typeParams(c, f.typeParams());
            params(c, f.params());
            add(c, f.returns());
            c.addAll(f.body());
        } else if (n instanceof ClassDef k) {
            c.addAll(k.decorators());
            typeParams(c, k.typeParams());
            c.addAll(k.bases());
            k.keywords().forEach(x -> c.add(x.value()));
            c.addAll(k.body());
        } else if (n instanceof TypeAlias t) {
            c.add(t.name());
            typeParams(c, t.typeParams());
            c.add(t.value());
        } else if (n instanceof Return r) {
            add(c, r.value());
        } else if (n instanceof Match m) {
            c.add(m.subject());
            for (MatchCase k : m.cases()) {
                c.add(k.pattern());
                add(c, k.guard());
                c.addAll(k.body());
            }
        } else if (n instanceof If i) {
            c.add(i.test());
            c.addAll(i.body());
            c.addAll(i.orElse());
        } else if (n instanceof For f) {
            c.add(f.target());
            c.add(f.iter());
            c.addAll(f.body());
            c.addAll(f.orElse());
        } else if (n instanceof While w) {
            c.add(w.test());
            c.addAll(w.body());
            c.addAll(w.orElse());
        } else if (n instanceof With w) {
            for (WithItem i : w.items()) {
                c.add(i.context());
                add(c, i.target());
            }
            c.addAll(w.body());
        } else if (n instanceof Try t) {
            c.addAll(t.body());
            for (Handler h : t.handlers()) {
                add(c, h.type());
                c.addAll(h.body());
            }
            c.addAll(t.orElse());
            c.addAll(t.finalBody());
        } else if (n instanceof Raise r) {
            add(c, r.exc());
            add(c, r.cause());
        } else if (n instanceof Delete d) {
            c.addAll(d.targets());
        } else if (n instanceof Assert a) {
            c.add(a.test());
            add(c, a.msg());
        }
        return c;
    }

    private static void params(List<Node> c, List<Param> ps) {
        for (Param p : ps) {
            add(c, p.annotation());
            add(c, p.defaultValue());
        }
    }

    /** Bounds and defaults are evaluated (lazily, but a rule must see a call hidden there). */
    private static void typeParams(List<Node> c, List<TypeParam> ps) {
        for (TypeParam p : ps) {
            add(c, p.bound());
            add(c, p.defaultValue());
        }
    }

    private static void add(List<Node> c, Node n) {
        if (n != null) {
            c.add(n);
        }
    }
}
