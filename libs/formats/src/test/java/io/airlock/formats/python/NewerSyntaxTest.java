package io.airlock.formats.python;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Syntax newer than the python3 of this machine (3.11): PEP 701 f-strings (3.12), PEP 695 type
 * parameters and {@code type} aliases (3.12), PEP 696 type-parameter defaults (3.13). Each sample
 * holds, written by hand, the summary cpython_summary.py prints from the tree of the CPython version
 * it names (the same tokens as {@link CPythonConformanceTest}); ours must give it. Every CPython that
 * new found on the machine ({@link #pythons()}) must give it too; a sample no such CPython checked is
 * reported as unchecked against CPython (docs/GUARD-RULES.md lists the syntax).
 */
class NewerSyntaxTest {
    record Sample(String name, int minor, String source, List<String> cpython) {
    }

    static final List<Sample> SAMPLES = List.of(
            new Sample("pep695_def", 12, """
                    def first[T: (int, str), *Ts, **P](x: T) -> T:
                        return x
                    """, List.of("def first [T:typevar,Ts:typevartuple,P:paramspec] x:plain", "tuple", "N int", "N str",
                    "N T", "N T", "return", "N x")),
            new Sample("pep696_class", 13, """
                    class Box[T: int = str, *Ts = *tuple[int], **P = [int, str]](Base, metaclass=Meta):
                        pass
                    """, List.of("class Box [T:typevar,Ts:typevartuple,P:paramspec] metaclass", "N int", "N str",
                    "*", "[]", "N tuple", "N int", "list", "N int", "N str", "N Base", "N Meta", "pass")),
            new Sample("pep695_type_alias", 13, """
                    type Alias[T = make()] = list[T]
                    type = 1
                    type(x)
                    type.mro
                    """, List.of("type [T:typevar]", "N Alias", "C ", "N make", "[]", "N list", "N T",
                    "= 1", "N type", "#", "expr", "C ", "N type", "N x", "expr", "A mro", "N type")),
            new Sample("pep701_nested_quotes", 12, """
                    x = f"{names["k"]} {f"{a!r:>{w}}"}"
                    y = f"{'\\n'.join(parts)}"
                    """, List.of("= 1", "N x", "F  ", "[]", "N names", "S k", "F >", "N a", "N w",
                    "= 1", "N y", "F ", "C ", "A join", "S \n", "N parts")),
            // refused by every CPython (a null summary): ours must refuse them too
            new Sample("refused_empty_type_params", 12, "def f[]():\n    pass\n", null),
            new Sample("refused_bound_on_typevartuple", 12, "class C[*Ts: int]:\n    pass\n", null),
            new Sample("refused_empty_alias_params", 12, "type X[] = int\n", null));

    /**
     * The documented python and any newer CPython found beside it (python3.12+ in /usr/bin or
     * /usr/local/bin, pyenv's versions): each sample is compared with every CPython new enough for it.
     */
    static List<String> pythons() throws java.io.IOException {
        List<String> out = new ArrayList<>(List.of(CPythonConformanceTest.python()));
        for (String dir : List.of("/usr/bin", "/usr/local/bin")) {
            for (int minor = 12; minor <= 14; minor++) {
                Path p = Path.of(dir, "python3." + minor);
                if (Files.isExecutable(p)) {
                    out.add(p.toString());
                }
            }
        }
        Path pyenv = Path.of(System.getenv().getOrDefault("PYENV_ROOT", System.getProperty("user.home") + "/.pyenv"), "versions");
        if (Files.isDirectory(pyenv)) {
            try (var versions = Files.list(pyenv)) {
                versions.filter(v -> v.getFileName().toString().matches("3\\.1[2-9]\\.\\d+"))
                        .map(v -> v.resolve("bin/python3")).filter(Files::isExecutable).sorted()
                        .forEach(v -> out.add(v.toString()));
            }
        }
        return out;
    }

    @Test
    void syntaxNewerThanThisPythonReadsAsTheCPythonThatIntroducedIt() throws Exception {
        Path dir = Files.createTempDirectory("airlock-newer-syntax");
        for (Sample s : SAMPLES) {
            if (s.cpython() == null) {
                assertThatThrownBy(() -> Parser.parse(s.source())).as(s.name()).isInstanceOf(PySyntaxError.class);
            } else {
                assertThat(CPythonConformanceTest.Summary.of(Parser.parse(s.source()))).as(s.name()).isEqualTo(s.cpython());
            }
            Files.writeString(dir.resolve(s.name() + ".py"), s.source());
        }
        java.util.Set<String> checked = new java.util.TreeSet<>();
        List<String> versions = new ArrayList<>();
        for (String python : pythons()) {
            List<String> lines = CPythonConformanceTest.runPython(python, List.of(dir.toString()));
            String version = CPythonConformanceTest.unescape(lines.get(0)).split("\t")[1];
            versions.add(version);
            int minor = Integer.parseInt(version.split("\\.")[1]);
            for (String line : lines.subList(1, lines.size())) {
                String[] fields = line.split("\t", -1);
                String name = Path.of(CPythonConformanceTest.unescape(fields[0])).getFileName().toString().replace(".py", "");
                Sample s = SAMPLES.stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow();
                if (minor < s.minor() || s.cpython() == null) {
                    assertThat(fields[1]).as(name + ": CPython " + version + " refuses it").isEqualTo("error");
                    if (minor >= s.minor()) {
                        checked.add(name);
                    }
                    continue;
                }
                assertThat(fields[1]).as(name + " parses in CPython " + version).isEqualTo("ok");
                List<String> theirs = List.of(fields).subList(3, fields.length).stream()
                        .map(CPythonConformanceTest::unescape).toList();
                assertThat(theirs).as(name + ": CPython " + version + "'s own summary").isEqualTo(s.cpython());
                checked.add(name);
            }
        }
        List<String> unchecked = SAMPLES.stream().map(Sample::name).filter(n -> !checked.contains(n)).toList();
        System.out.println("[parser] newer syntax: CPython " + versions + " checked " + checked
                + "; unchecked against CPython (hand-written summaries only): " + unchecked);
    }
}
