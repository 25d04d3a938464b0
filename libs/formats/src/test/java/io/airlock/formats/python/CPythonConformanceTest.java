package io.airlock.formats.python;

import io.airlock.formats.python.Ast.*;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The parser checked against CPython's own {@code ast} over CPython's standard library and every
 * Python file of this repository (kernel samples, example tasks, fuzz seeds): {@code cpython_summary.py}
 * writes a summary per file from CPython's tree and {@link Summary} computes the same summary from
 * ours, so a parser that misreads a name, an attribute, a call, an import, an escape or an f-string
 * field fails here with the file and the first difference. A file CPython refuses must be refused by
 * ours too. Syntax newer than the python at hand cannot be checked here: docs/GUARD-RULES.md lists it.
 */
class CPythonConformanceTest {
    /**
     * {@code -Dairlock.cpython=PATH} when given (to compare with a newer CPython and its library),
     * else Debian's interpreter (the one the build documents), else the python3 on PATH.
     */
    static String python() {
        String given = System.getProperty("airlock.cpython", "");
        if (!given.isBlank()) {
            return given;
        }
        return Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
    }

    @Test
    void everyFileCPythonParsesReadsTheSameAndEveryFileItRefusesIsRefused() throws Exception {
        Path root = repositoryRoot();
        List<String> lines = runPython(List.of("stdlib", root.toString()));
        String[] header = unescape(lines.get(0)).split("\t");
        String stdlib = header[2];
        long start = System.nanoTime();
        List<String> failures = new ArrayList<>();
        int stdlibFiles = 0;
        int repoFiles = 0;
        int refused = 0;
        for (String line : lines.subList(1, lines.size())) {
            String[] fields = line.split("\t", -1);
            Path file = Path.of(unescape(fields[0]));
            if (file.startsWith(stdlib)) {
                stdlibFiles++;
            } else {
                repoFiles++;
            }
            String failure = compare(file, fields);
            if (fields[1].equals("error")) {
                refused++;
            }
            if (failure != null) {
                failures.add(failure);
            }
        }
        System.out.printf("[parser] CPython %s: %d standard library files (%s), %d repository files, %d refused by"
                        + " CPython; ours read them in %d ms; %d differences; refused for their declared encoding: %s%n",
                header[1], stdlibFiles, stdlib, repoFiles, refused, (System.nanoTime() - start) / 1_000_000,
                failures.size(), DECLARED_ENCODINGS);
        Files.createDirectories(Path.of("target"));
        Files.write(Path.of("target", "cpython-conformance.txt"), failures);
        assertThat(stdlibFiles).as("the standard library was walked").isGreaterThan(500);
        assertThat(repoFiles).as("the repository's kernel samples were walked").isGreaterThan(40);
        assertThat(failures).as("files our parser reads differently from CPython (all in target/cpython-conformance.txt)")
                .isEmpty();
    }

    /** Files in another declared encoding, which CPython parses and ours refuses on purpose. */
    static final List<String> DECLARED_ENCODINGS = new ArrayList<>();

    /** The first difference between CPython's reading of one file and ours, or null when there is none. */
    static String compare(Path file, String[] fields) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        boolean cpythonParses = fields[1].equals("ok");
        Ast.PyModule ours;
        try {
            Charset cs = cpythonParses ? charset(unescape(fields[2])) : StandardCharsets.UTF_8;
            ours = Parser.parse(cs.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString());
        } catch (PySyntaxError | CharacterCodingException e) {
            if (cpythonParses && e.getMessage().contains("declares the encoding")) {
                // by design: the precheck reads UTF-8 only, and a declared other encoding would make CPython read other code
                DECLARED_ENCODINGS.add(file + " (" + unescape(fields[2]) + ")");
                return null;
            }
            return cpythonParses ? file + ": CPython parses it, ours refuses it: " + e.getMessage() : null;
        }
        if (!cpythonParses) {
            return file + ": CPython refuses it (" + unescape(fields[2]) + "), ours parses it";
        }
        List<String> theirs = List.of(fields).subList(3, fields.length);
        List<String> mine = Summary.of(ours).stream().map(CPythonConformanceTest::escape).toList();
        for (int i = 0; i < Math.max(theirs.size(), mine.size()); i++) {
            String t = i < theirs.size() ? theirs.get(i) : "(end)";
            String m = i < mine.size() ? mine.get(i) : "(end)";
            if (!t.equals(m)) {
                return file + ": token " + i + " differs after " + theirs.subList(Math.max(0, i - 6), i)
                        + ": CPython " + clip(t) + ", ours " + clip(m);
            }
        }
        return null;
    }

    private static String clip(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }

    private static Charset charset(String pythonName) {
        // utf-8-sig: the BOM is dropped by Parser.parse; latin-1 and iso-8859-1 are Java's ISO-8859-1
        return switch (pythonName) {
            case "utf-8", "utf-8-sig" -> StandardCharsets.UTF_8;
            case "latin-1", "iso-8859-1" -> StandardCharsets.ISO_8859_1;
            default -> Charset.forName(pythonName);
        };
    }

    /** Runs the helper once over the folders {@code roots}; skips (fails under CI=true) without a python. */
    static List<String> runPython(List<String> roots) throws IOException, InterruptedException, URISyntaxException {
        return runPython(python(), roots);
    }

    static List<String> runPython(String python, List<String> roots) throws IOException, InterruptedException,
            URISyntaxException {
        Path script = Path.of(CPythonConformanceTest.class.getResource("cpython_summary.py").toURI());
        List<String> command = new ArrayList<>(List.of(python, script.toString()));
        command.addAll(roots);
        Process proc;
        try {
            proc = new ProcessBuilder(command)
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        } catch (IOException e) {
            String why = "no python3 to compare the parser with CPython (" + e.getMessage() + ")";
            if ("true".equals(System.getenv("CI"))) {
                throw new AssertionError("CI=true: " + why);
            }
            assumeTrue(false, why);
            throw e;
        }
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(proc.getInputStream(), StandardCharsets.US_ASCII))) {
            for (String l = r.readLine(); l != null; l = r.readLine()) {
                lines.add(l);
            }
        }
        if (!proc.waitFor(5, TimeUnit.MINUTES)) {
            proc.destroyForcibly();
            throw new AssertionError(python + " did not finish");
        }
        assertThat(proc.exitValue()).as(python + " " + script + " exit status").isZero();
        assertThat(lines).as("the helper's output").isNotEmpty();
        return lines;
    }

    private static Path repositoryRoot() throws URISyntaxException {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("mvnw"))) {
            p = p.getParent();
        }
        assertThat(p).as("the repository root (the folder holding mvnw) above " + Path.of("").toAbsolutePath()).isNotNull();
        return p;
    }

    /** The helper's escaping: printable ASCII but backslash as is, every other UTF-16 unit as \\u{hex}. */
    static String escape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            if (c >= ' ' && c <= '~' && c != '\\') {
                sb.append(c);
            } else {
                sb.append("\\u{").append(Integer.toHexString(c)).append('}');
            }
        }
        return sb.toString();
    }

    static String unescape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            if (s.startsWith("\\u{", i)) {
                int end = s.indexOf('}', i);
                sb.append((char) Integer.parseInt(s.substring(i + 3, end), 16));
                i = end;
            } else {
                sb.append(s.charAt(i));
            }
        }
        return sb.toString();
    }

    /**
     * Our side of the summary: a pre-order walk over {@link Ast#children}, so a sub-node the rules'
     * walk would miss is missing here too, with one token per node as cpython_summary.py gives it.
     * Match patterns, which our parser reads into expressions, have tokens of their own.
     */
    static final class Summary {
        private final List<String> tokens = new ArrayList<>();

        static List<String> of(Ast.PyModule m) {
            Summary s = new Summary();
            m.body().forEach(s::node);
            return s.tokens;
        }

        private void node(Node n) {
            if (n instanceof Match m) {
                tokens.add("match");
                node(m.subject());
                for (MatchCase c : m.cases()) {
                    tokens.add("case" + (c.guard() != null ? " if" : ""));
                    pattern(c.pattern());
                    if (c.guard() != null) {
                        node(c.guard());
                    }
                    c.body().forEach(this::node);
                }
                return;
            }
            tokens.add(token(n));
            Ast.children(n).forEach(this::node);
        }

        private void pattern(Expr p) {
            if (p instanceof Seq s) {
                tokens.add("pseq");
                s.elts().forEach(this::pattern);
            } else if (p instanceof Call c) {
                tokens.add("pclass " + String.join(",", c.keywords().stream().map(Keyword::name).toList()));
                node(c.func());
                c.args().forEach(this::pattern);
                c.keywords().forEach(k -> pattern(k.value()));
            } else if (p instanceof NamedExpr a) {
                tokens.add("as");
                node(a.target());
                pattern(a.value());
            } else if (p instanceof BinOp b && b.op().equals("|")) {
                tokens.add("por");
                pattern(b.left());
                pattern(b.right());
            } else if (p instanceof Dict d) {
                tokens.add("pmap");
                for (int i = 0; i < d.keys().size(); i++) {
                    if (d.keys().get(i) == null) {
                        node(d.values().get(i));
                    } else {
                        node(d.keys().get(i));
                        pattern(d.values().get(i));
                    }
                }
            } else {
                node(p);
            }
        }

        private static String token(Node n) {
            if (n instanceof Name x) {
                return "N " + x.id();
            } else if (n instanceof Const c) {
                return switch (c.kind()) {
                    case "str" -> "S " + c.value();
                    case "bytes" -> "B " + c.value();
                    case "num" -> "#";
                    default -> c.value();
                };
            } else if (n instanceof FStr f) {
                return "F " + f.literal();
            } else if (n instanceof Attr a) {
                return "A " + a.attr();
            } else if (n instanceof Call c) {
                return "C " + String.join(",", c.keywords().stream().map(k -> k.isDoubleStar() ? "**" : k.name()).toList());
            } else if (n instanceof Subscript) {
                return "[]";
            } else if (n instanceof Slice) {
                return ":";
            } else if (n instanceof BinOp b) {
                return "op " + b.op();
            } else if (n instanceof Unary u) {
                return "unary " + u.op();
            } else if (n instanceof BoolOp b) {
                return "bool " + b.op();
            } else if (n instanceof Compare c) {
                return "cmp " + String.join(",", c.ops());
            } else if (n instanceof IfExp) {
                return "ifexp";
            } else if (n instanceof Lambda l) {
                return "lambda " + params(l.params());
            } else if (n instanceof Seq s) {
                return s.kind();
            } else if (n instanceof Dict) {
                return "dict";
            } else if (n instanceof Comp c) {
                return "comp " + c.kind() + " " + String.join(",", c.generators().stream()
                        .map(g -> g.async() ? "async" : "for").toList());
            } else if (n instanceof Starred) {
                return "*";
            } else if (n instanceof NamedExpr) {
                return ":=";
            } else if (n instanceof Await) {
                return "await";
            } else if (n instanceof Yield y) {
                return y.from() ? "yield from" : "yield";
            } else if (n instanceof ExprStmt) {
                return "expr";
            } else if (n instanceof Assign a) {
                return "= " + a.targets().size();
            } else if (n instanceof AugAssign a) {
                return "aug " + a.op().substring(0, a.op().length() - 1);
            } else if (n instanceof AnnAssign) {
                return "ann";
            } else if (n instanceof FunctionDef f) {
                return (f.async() ? "async def " : "def ") + f.name() + typeParams(f.typeParams()) + " " + params(f.params());
            } else if (n instanceof TypeAlias t) {
                return "type" + typeParams(t.typeParams());
            } else if (n instanceof ClassDef c) {
                return "class " + c.name() + typeParams(c.typeParams()) + " " + String.join(",", c.keywords().stream()
                        .map(k -> k.isDoubleStar() ? "**" : k.name()).toList());
            } else if (n instanceof Return) {
                return "return";
            } else if (n instanceof If) {
                return "if";
            } else if (n instanceof For f) {
                return f.async() ? "async for" : "for";
            } else if (n instanceof While) {
                return "while";
            } else if (n instanceof With w) {
                return (w.async() ? "async with " : "with ") + w.items().size();
            } else if (n instanceof Try t) {
                return "try " + String.join(",", t.handlers().stream().map(h -> h.name() == null ? "" : h.name()).toList());
            } else if (n instanceof Import i) {
                return "import " + aliases(i.names());
            } else if (n instanceof ImportFrom f) {
                return "from " + f.level() + " " + f.module() + " import " + aliases(f.names());
            } else if (n instanceof Global g) {
                return "global " + String.join(",", g.names());
            } else if (n instanceof Nonlocal g) {
                return "nonlocal " + String.join(",", g.names());
            } else if (n instanceof Raise) {
                return "raise";
            } else if (n instanceof Delete d) {
                return "del " + d.targets().size();
            } else if (n instanceof Assert) {
                return "assert";
            } else if (n instanceof Simple s) {
                return s.keyword();
            }
            throw new IllegalArgumentException("no summary for " + n.getClass().getSimpleName());
        }

        private static String params(List<Param> ps) {
            return String.join(",", ps.stream().map(p -> p.name() + ":" + p.kind()).toList());
        }

        private static String typeParams(List<TypeParam> ps) {
            return ps.isEmpty() ? "" : " [" + String.join(",", ps.stream().map(p -> p.name() + ":" + p.kind()).toList()) + "]";
        }

        private static String aliases(List<Alias> as) {
            return String.join(",", as.stream().map(a -> a.name() + (a.asName() == null ? "" : " as " + a.asName())).toList());
        }
    }
}
