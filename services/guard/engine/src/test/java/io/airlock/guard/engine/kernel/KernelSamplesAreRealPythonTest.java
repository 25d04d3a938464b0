package io.airlock.guard.engine.kernel;

import io.airlock.formats.python.Ast;
import io.airlock.formats.python.Ast.*;
import io.airlock.formats.python.Parser;
import io.airlock.formats.python.PySyntaxError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.provider.Arguments;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The kernels this module's tests prove the rules with are Python that CPython reads, and CPython
 * reads the same calls in them as our parser: a sample CPython refuses would prove nothing about a
 * real submission, and a call our parser misplaces would make a rule's proof hollow. Uses the newest
 * CPython on the machine (pyenv's, python3.1x, else /usr/bin/python3), since samples use 3.12/3.13
 * syntax; with an older one those samples are reported unchecked. No python: skipped (a failure under CI=true).
 */
class KernelSamplesAreRealPythonTest {
    /** Per file: "ok" and the dotted names of its calls in ast.walk order, sorted; or "error". */
    private static final String SCRIPT = """
            import ast, os, sys
            def dotted(e):
                parts = []
                while isinstance(e, ast.Attribute):
                    parts.append(e.attr)
                    e = e.value
                if isinstance(e, ast.Name):
                    return ".".join([e.id] + parts[::-1])
                return "?." + ".".join(parts[::-1]) if parts else "?"
            print(sys.version_info[1])
            for f in sorted(os.listdir(sys.argv[1])):
                try:
                    tree = ast.parse(open(os.path.join(sys.argv[1], f), "rb").read())
                except SyntaxError as e:
                    print(f, "error", str(e).replace("\\n", " "))
                    continue
                calls = sorted(dotted(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call))
                print(f, "ok", " ".join(calls))
            """;

    static Map<String, String> samples() {
        Map<String, String> out = new LinkedHashMap<>();
        add(out, KernelExploitTest.exploits(), KernelExploitTest.HEAD);
        add(out, KernelExploitTest.evidence(), KernelExploitTest.HEAD);
        add(out, HonestKernelTest.honest(), "");
        add(out, OutputReplayTest.replays(), "");
        add(out, OutputReplayTest.honestTwins(), "");
        return out;
    }

    private static void add(Map<String, String> out, Stream<Arguments> cases, String head) {
        cases.forEach(a -> {
            String name = (String) a.get()[0];
            while (out.containsKey(name)) {
                name += " (again)"; // two cases of one name: both are checked
            }
            out.put(name, head + a.get()[1]);
        });
    }

    @Test
    void everyKernelSampleIsPythonThatCPythonReadsWithTheSameCalls() throws Exception {
        Map<String, String> samples = samples();
        Path dir = Files.createTempDirectory("airlock-kernel-samples");
        List<String> names = new ArrayList<>(samples.keySet());
        for (int i = 0; i < names.size(); i++) {
            Files.writeString(dir.resolve(String.format("%04d.py", i)), samples.get(names.get(i)));
        }
        List<String> lines = run(newestPython(), dir);
        int minor = Integer.parseInt(lines.get(0).strip());
        List<String> failures = new ArrayList<>();
        List<String> unchecked = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(" ", 3);
            String name = names.get(Integer.parseInt(f[0].substring(0, 4)));
            boolean cpython = f[1].equals("ok");
            List<String> ours = null;
            try {
                ours = calls(Parser.parse(samples.get(name)));
            } catch (PySyntaxError e) {
                // ours refuses: only the sample that is there to be unparseable may be refused
            }
            if (name.equals("unparseable")) {
                if (cpython || ours != null) {
                    failures.add(name + ": meant to be refused, CPython " + (cpython ? "parses" : "refuses") + " it, ours "
                            + (ours != null ? "parses" : "refuses") + " it");
                }
            } else if (!cpython) {
                (minor < 13 ? unchecked : failures).add(name + ": CPython 3." + minor + " refuses it: " + f[2]);
            } else if (ours == null) {
                failures.add(name + ": CPython parses it, ours refuses it");
            } else if (!String.join(" ", ours).equals(f.length > 2 ? f[2] : "")) {
                failures.add(name + ": calls differ: CPython [" + (f.length > 2 ? f[2] : "") + "], ours " + ours);
            }
        }
        System.out.println("[kernel samples] CPython 3." + minor + ": " + names.size() + " samples, " + failures.size()
                + " failures, unchecked (newer syntax than this CPython?): " + unchecked);
        assertThat(names).hasSizeGreaterThan(100);
        assertThat(failures).isEmpty();
    }

    /** The dotted names of every call our tree holds, as CPython's ast.walk would list them (sorted); match patterns hold no calls. */
    static List<String> calls(PyModule m) {
        List<String> out = new ArrayList<>();
        List<Node> todo = new ArrayList<>(m.body());
        while (!todo.isEmpty()) {
            Node n = todo.remove(todo.size() - 1);
            if (n instanceof Call c) {
                out.add(dotted(c.func()));
            }
            if (n instanceof Match x) {
                todo.add(x.subject());
                for (MatchCase k : x.cases()) {
                    if (k.guard() != null) {
                        todo.add(k.guard());
                    }
                    todo.addAll(k.body());
                }
            } else {
                todo.addAll(Ast.children(n));
            }
        }
        out.sort(Comparator.naturalOrder());
        return out;
    }

    private static String dotted(Expr e) {
        List<String> parts = new ArrayList<>();
        while (e instanceof Attr a) {
            parts.add(0, a.attr());
            e = a.value();
        }
        if (e instanceof Name n) {
            parts.add(0, n.id());
            return String.join(".", parts);
        }
        return parts.isEmpty() ? "?" : "?." + String.join(".", parts);
    }

    /** The newest CPython here: pyenv's 3.1x versions, python3.1x on the usual paths, else Debian's python3. */
    static String newestPython() throws IOException {
        List<Path> found = new ArrayList<>();
        Path pyenv = Path.of(System.getenv().getOrDefault("PYENV_ROOT", System.getProperty("user.home") + "/.pyenv"), "versions");
        if (Files.isDirectory(pyenv)) {
            try (Stream<Path> versions = Files.list(pyenv)) {
                versions.filter(v -> v.getFileName().toString().matches("3\\.1[2-9]\\.\\d+")).map(v -> v.resolve("bin/python3"))
                        .filter(Files::isExecutable).forEach(found::add);
            }
        }
        for (int minor = 12; minor <= 14; minor++) {
            for (String dir : List.of("/usr/bin", "/usr/local/bin")) {
                Path p = Path.of(dir, "python3." + minor);
                if (Files.isExecutable(p)) {
                    found.add(p);
                }
            }
        }
        // newest minor first: "3.13.0/bin/python3" and "python3.13" both sort by the digits after "3."
        found.sort(Comparator.comparing((Path p) -> p.toString().replaceAll(".*?3\\.(\\d+).*", "$1"),
                Comparator.comparingInt(Integer::parseInt)).reversed());
        if (!found.isEmpty()) {
            return found.get(0).toString();
        }
        return Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
    }

    private static List<String> run(String python, Path dir) throws IOException, InterruptedException {
        Process proc;
        try {
            proc = new ProcessBuilder(python, "-c", SCRIPT, dir.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        } catch (IOException e) {
            String why = "no python3 to check the kernel samples with CPython (" + e.getMessage() + ")";
            if ("true".equals(System.getenv("CI"))) {
                throw new AssertionError("CI=true: " + why);
            }
            assumeTrue(false, why);
            throw e;
        }
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(proc.getInputStream(), StandardCharsets.UTF_8))) {
            for (String l = r.readLine(); l != null; l = r.readLine()) {
                lines.add(l);
            }
        }
        assertThat(proc.waitFor(2, TimeUnit.MINUTES)).as(python + " finished").isTrue();
        assertThat(proc.exitValue()).as(python + " exit status").isZero();
        return lines;
    }
}
