package io.airlock.e2e;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The build-time contract check: every guarantee in docs/GUARANTEES.md names its proof as
 * {@code `TestClass#testMethod`}, and that test must exist. A promise whose proof was deleted or
 * renamed fails the build.
 */
class GuaranteesDocTest {
    private static final Pattern PROOF = Pattern.compile("`([A-Z][A-Za-z0-9_]*)#([a-zA-Z0-9_]+)`");
    private static final Pattern ROW = Pattern.compile("^\\|\\s*G-?\\d+.*$", Pattern.MULTILINE);

    @Test
    void everyGuaranteeNamesAnExistingTest() throws IOException {
        Path root = E2eStack.repoRoot();
        String doc = Files.readString(root.resolve("docs/GUARANTEES.md"), StandardCharsets.UTF_8);
        Map<String, List<Path>> testFiles;
        try (Stream<Path> s = Files.walk(root)) {
            testFiles = s.filter(p -> p.toString().contains("/src/test/java/") && p.toString().endsWith(".java"))
                    .filter(p -> !p.toString().contains("/target/"))
                    .collect(Collectors.groupingBy(p -> p.getFileName().toString().replace(".java", "")));
        }
        Matcher rows = ROW.matcher(doc);
        List<String> problems = new ArrayList<>();
        int guarantees = 0;
        while (rows.find()) {
            guarantees++;
            String row = rows.group();
            Matcher m = PROOF.matcher(row);
            boolean any = false;
            while (m.find()) {
                any = true;
                String cls = m.group(1);
                String method = m.group(2);
                List<Path> files = testFiles.getOrDefault(cls, List.of());
                boolean found = false;
                for (Path f : files) {
                    if (Pattern.compile("void\\s+" + Pattern.quote(method) + "\\s*\\(").matcher(Files.readString(f)).find()) {
                        found = true;
                    }
                }
                if (!found) {
                    problems.add(cls + "#" + method + " (named in: " + row.substring(0, Math.min(60, row.length())) + "...)");
                }
            }
            if (!any) {
                problems.add("no proof named in row: " + row);
            }
        }
        assertThat(guarantees).as("guarantee rows in docs/GUARANTEES.md").isGreaterThan(5);
        assertThat(problems).as("guarantees whose proof does not exist").isEmpty();
    }
}
