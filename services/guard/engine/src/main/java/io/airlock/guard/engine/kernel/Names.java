package io.airlock.guard.engine.kernel;

import io.airlock.formats.python.Ast.*;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * What names mean, as far as reading the source can tell: {@code import torch.cuda as tc} makes
 * {@code tc.synchronize} read {@code torch.cuda.synchronize}; {@code c = torch.cuda},
 * {@code getattr(torch, "cuda")}, {@code importlib.import_module("torch.cuda")},
 * {@code sys.modules["torch.cuda"]} and {@code globals()["torch"]} resolve the same way. A name
 * bound to anything else (a call result, a parameter) resolves to itself.
 */
final class Names {
    private static final int MAX_DEPTH = 64;
    /** Roots that are modules even when the import is hidden (e.g. reached through sys.modules). */
    static final Set<String> WELL_KNOWN_MODULES = Set.of("torch", "time", "sys", "os", "triton", "numpy", "builtins",
            "math", "random", "functools", "gc", "inspect", "importlib", "threading", "timeit", "cupy", "ctypes",
            "subprocess", "socket", "__main__", "logging", "atexit", "signal");

    final Map<String, String> aliases = new HashMap<>();
    /** Names bound by an import statement (their canonical value is a module or a module member). */
    final Set<String> imported = new HashSet<>();
    /** Module-level string assignments (for inline native sources held in variables). */
    final Map<String, Expr> values = new HashMap<>();

    void importStmt(Import i) {
        for (Alias a : i.names()) {
            imported.add(a.bound());
            aliases.put(a.bound(), a.asName() != null ? a.name() : a.bound());
        }
    }

    void importFrom(ImportFrom f) {
        for (Alias a : f.names()) {
            if (a.name().equals("*")) {
                continue;
            }
            imported.add(a.bound());
            String base = f.level() > 0 ? "." + f.module() : f.module();
            aliases.put(a.bound(), base.isEmpty() ? a.name() : base + "." + a.name());
        }
    }

    /** {@code x = <resolvable>} binds an alias; anything else only records the value. */
    void assign(Expr target, Expr value) {
        if (target instanceof Name n) {
            values.put(n.id(), value);
            String c = resolvable(value) ? canon(value) : null;
            if (c != null && !c.equals(n.id())) {
                aliases.put(n.id(), c);
            } else {
                aliases.remove(n.id());
            }
        }
    }

    private static boolean resolvable(Expr e) {
        return e instanceof Name || e instanceof Attr || e instanceof Call || e instanceof Subscript;
    }

    /** The dotted name an expression denotes, or null when it denotes no name (a literal, an arithmetic result). */
    String canon(Expr e) {
        return canon(e, 0);
    }

    private String canon(Expr e, int depth) {
        if (e == null || depth > MAX_DEPTH) {
            return null;
        }
        if (e instanceof Name n) {
            String a = aliases.get(n.id());
            // __builtins__ is the builtins module (or its dict) in every module
            return a != null ? a : n.id().equals("__builtins__") ? "builtins" : n.id();
        }
        if (e instanceof Attr a) {
            String base = canon(a.value(), depth + 1);
            return base == null ? null : base + "." + a.attr();
        }
        if (e instanceof Call c) {
            String f = canon(c.func(), depth + 1);
            if (f == null) {
                return null;
            }
            if ((f.equals("getattr") || f.equals("builtins.getattr")) && c.args().size() >= 2
                    && c.args().get(1) instanceof Const k && k.isStr()) {
                String base = canon(c.args().get(0), depth + 1);
                return base == null ? null : base + "." + k.value();
            }
            if (f.equals("sys.modules.get") && !c.args().isEmpty() && c.args().get(0) instanceof Const k && k.isStr()) {
                return k.value();
            }
            if ((f.equals("importlib.import_module") || f.equals("__import__") || f.equals("builtins.__import__"))
                    && !c.args().isEmpty() && c.args().get(0) instanceof Const k && k.isStr()) {
                // __import__("a.b") returns a; import_module("a.b") returns a.b
                return f.endsWith("import_module") || !k.value().contains(".") ? k.value()
                        : k.value().substring(0, k.value().indexOf('.'));
            }
            return null;
        }
        if (e instanceof Subscript s && s.index() instanceof Const k && k.isStr()) {
            String base = canon(s.value(), depth + 1);
            if ("sys.modules".equals(base)) {
                return k.value();
            }
            if ("builtins".equals(base)) {
                return "builtins." + k.value();
            }
            if (s.value() instanceof Call g) {
                String f = canon(g.func(), depth + 1);
                if ("globals".equals(f) || "locals".equals(f) || "builtins.globals".equals(f)) {
                    return canon(new Name(k.value(), s.line()), depth + 1);
                }
                if ("vars".equals(f) && g.args().size() == 1) {
                    String mod = canon(g.args().get(0), depth + 1);
                    return mod == null ? null : mod + "." + k.value();
                }
            }
            if (base != null && base.endsWith(".__dict__")) {
                return base.substring(0, base.length() - ".__dict__".length()) + "." + k.value();
            }
        }
        return null;
    }

    /** Classes defined in the submission: writing their attributes patches nobody else. */
    final Set<String> localClasses = new HashSet<>();

    boolean isLocalClass(String dotted) {
        String root = dotted.contains(".") ? dotted.substring(0, dotted.indexOf('.')) : dotted;
        return localClasses.contains(root) && !imported.contains(root);
    }

    /** Whether a dotted name is a module or reached from one (its root was imported, or is a well-known module). */
    boolean isModulePath(String dotted) {
        if (dotted == null) {
            return false;
        }
        String root = dotted.contains(".") ? dotted.substring(0, dotted.indexOf('.')) : dotted;
        return WELL_KNOWN_MODULES.contains(root) || importedRoots().contains(root);
    }

    private Set<String> roots;

    /** Computed once, after all imports were bound (the analyzer binds names before it visits). */
    private Set<String> importedRoots() {
        if (roots != null) {
            return roots;
        }
        roots = new HashSet<>();
        for (String n : imported) {
            String c = aliases.getOrDefault(n, n);
            roots.add(c.contains(".") ? c.substring(0, c.indexOf('.')) : c);
        }
        return roots;
    }
}
