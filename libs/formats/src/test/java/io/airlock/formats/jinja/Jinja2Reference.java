package io.airlock.formats.jinja;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Debian's python3-jinja2 as the reference: dump_jinja_tree.py parses each template with jinja2
 * and writes its tree in {@link Node#canonical()}'s form, or the error jinja2 raised. Without
 * {@code /usr/bin/python3} and jinja2 the comparison is skipped with the reason, except under
 * {@code CI=true}, where it fails (the build promises the comparison ran).
 */
final class Jinja2Reference {
    /** jinja2's answer on one template: its tree, or null and its error. */
    record Answer(String tree, String error) {
    }

    private Jinja2Reference() {
    }

    static List<Answer> parse(List<String> templates, JinjaParser.Whitespace ws) throws Exception {
        Path python = Path.of("/usr/bin/python3");
        String why = "";
        if (!Files.isExecutable(python)) {
            why = "no /usr/bin/python3";
        } else if (new ProcessBuilder(python.toString(), "-c", "import jinja2").start().waitFor() != 0) {
            why = "/usr/bin/python3 has no jinja2 (Debian's python3-jinja2)";
        }
        if ("true".equals(System.getenv("CI"))) {
            assertThat(why).as("CI=true needs Debian's python3-jinja2 to check the parser against").isEmpty();
        }
        assumeTrue(why.isEmpty(), "skipped: " + why + "; the parser is not compared with jinja2 here");
        Path script = Files.createTempFile("dump_jinja_tree", ".py");
        Path input = Files.createTempFile("templates", ".txt");
        try (InputStream in = Jinja2Reference.class.getResourceAsStream("dump_jinja_tree.py")) {
            Files.write(script, in.readAllBytes());
        }
        try {
            StringBuilder stdin = new StringBuilder();
            for (String t : templates) {
                stdin.append(Node.canonicalString(t)).append('\n');
            }
            // the templates go through a file: writing them to a pipe while jinja2 fills the other one deadlocks
            Files.writeString(input, stdin.toString(), StandardCharsets.US_ASCII);
            Process p = new ProcessBuilder(python.toString(), script.toString(),
                    ws == JinjaParser.Whitespace.TRANSFORMERS ? "transformers" : "plain").redirectErrorStream(true)
                    .redirectInput(input.toFile()).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(out).isZero();
            List<Answer> answers = new ArrayList<>();
            for (String line : out.split("\n")) {
                if (line.startsWith("OK ")) {
                    answers.add(new Answer(line.substring(3), null));
                } else if (line.startsWith("ERR ")) {
                    answers.add(new Answer(null, line.substring(4)));
                }
            }
            assertThat(answers).as(out).hasSize(templates.size());
            return answers;
        } finally {
            Files.deleteIfExists(script);
            Files.deleteIfExists(input);
        }
    }
}
