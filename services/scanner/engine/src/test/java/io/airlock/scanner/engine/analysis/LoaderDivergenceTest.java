package io.airlock.scanner.engine.analysis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.airlock.contracts.Finding;
import io.airlock.contracts.Severity;
import io.airlock.scanner.engine.FrameTricks;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The FRAME samples read by CPython's own loaders (Debian's /usr/bin/python3, record_loads.py: a
 * find_class that records and returns an inert stub, so nothing named in a stream is imported or
 * run): the C unpickler over a buffered file, the C unpickler over an io.BytesIO (torch.load's
 * data.pkl) and pickle._Unpickler (joblib, dill) do read them differently, and every call any of
 * them would make is reported by the engine, in a rejected file.
 */
class LoaderDivergenceTest {
    static final Map<String, byte[]> SAMPLES = new LinkedHashMap<>();

    static {
        SAMPLES.put("acrossBoundary", FrameTricks.acrossBoundary());
        SAMPLES.put("nested", FrameTricks.nested());
        SAMPLES.put("afterEarlyStop", FrameTricks.afterEarlyStop());
        SAMPLES.put("bytesIoOnly", FrameTricks.bytesIoOnly());
    }

    @Test
    void whatEveryCPythonLoaderWouldCallIsReportedInARejectedFile() throws Exception {
        Map<String, JsonNode> loads = recordLoads();
        ImportTiers tiers = ImportTiers.builtin();
        for (Map.Entry<String, byte[]> s : SAMPLES.entrySet()) {
            JsonNode log = loads.get(s.getKey());
            List<Finding> findings = HostilePickleTest.scan(s.getValue());
            assertThat(findings).as(s.getKey() + ": the FRAME disagreement stays HIGH")
                    .anySatisfy(f -> assertThat(f.rule() + f.severity()).isEqualTo("pickle.malformed" + Severity.HIGH));
            for (String loader : List.of("c_file", "c_bytesio", "py")) {
                for (JsonNode line : log.get(loader)) {
                    if (!line.asText().startsWith("call ")) {
                        continue;
                    }
                    String global = line.asText().substring(5);
                    int dot = global.lastIndexOf('.');
                    assertThat(tiers.judge(global.substring(0, dot), global.substring(dot + 1)).tier())
                            .as(s.getKey() + ": " + loader + " calls " + global).isEqualTo(ImportTiers.Tier.DANGEROUS);
                    assertThat(findings).as(s.getKey() + ": " + loader + " calls " + global + "; the engine names it")
                            .anySatisfy(f -> {
                                assertThat(f.severity()).isEqualTo(Severity.CRITICAL);
                                assertThat(f.message()).contains("imports " + global);
                            });
                }
            }
        }
        // the loaders really diverge: what the C unpickler runs, pickle._Unpickler refuses
        assertThat(loads.get("acrossBoundary").get("c_file").toString()).contains("call os.system");
        assertThat(loads.get("acrossBoundary").get("py").toString()).contains("stopped UnpicklingError").doesNotContain("call");
        assertThat(loads.get("nested").get("c_bytesio").toString()).contains("call os.system");
        assertThat(loads.get("nested").get("py").toString()).doesNotContain("call");
        // measured: over an io.BytesIO the C unpickler drops the frame's rest and reads the operand afresh
        assertThat(loads.get("acrossBoundary").get("c_bytesio").toString()).contains("call os.ystem");
        assertThat(loads.get("bytesIoOnly").get("c_bytesio").toString()).contains("call os.system");
        assertThat(loads.get("bytesIoOnly").get("c_file").toString()).doesNotContain("call");
        assertThat(loads.get("bytesIoOnly").get("py").toString()).doesNotContain("call");
    }

    @Test
    void aPayloadOnlyTorchLoadsReadingRunsIsNamedInsideATorchZip() throws Exception {
        byte[] zip = io.airlock.fixtures.ZipBuilder.zip().with("archive/data.pkl", FrameTricks.bytesIoOnly()).bytes();
        assertThat(HostilePickleTest.scan(zip)).anySatisfy(f -> {
            assertThat(f.rule()).isEqualTo("pickle.dangerous_import");
            assertThat(f.message()).contains("imports os.system").contains("io.BytesIO");
        });
    }

    /** Runs record_loads.py over every sample; skips without Debian's python3 unless CI=true. */
    static Map<String, JsonNode> recordLoads() throws Exception {
        boolean python = Files.isExecutable(Path.of("/usr/bin/python3"));
        if ("true".equals(System.getenv("CI"))) {
            assertThat(python).as("CI=true needs /usr/bin/python3").isTrue();
        }
        assumeTrue(python, "no /usr/bin/python3 to read the samples with CPython's loaders");
        Path script = Files.createTempFile("record_loads", ".py");
        try (InputStream in = LoaderDivergenceTest.class.getResourceAsStream("record_loads.py")) {
            Files.write(script, in.readAllBytes());
        }
        try {
            Process p = new ProcessBuilder("/usr/bin/python3", script.toString()).redirectErrorStream(true).start();
            StringBuilder stdin = new StringBuilder();
            SAMPLES.values().forEach(b -> stdin.append(HexFormat.of().formatHex(b)).append('\n'));
            p.getOutputStream().write(stdin.toString().getBytes(StandardCharsets.US_ASCII));
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(out).isZero();
            List<String> names = new ArrayList<>(SAMPLES.keySet());
            Map<String, JsonNode> byName = new LinkedHashMap<>();
            String[] lines = out.strip().split("\n");
            assertThat(lines).as(out).hasSize(names.size());
            for (int i = 0; i < lines.length; i++) {
                byName.put(names.get(i), new ObjectMapper().readTree(lines[i]));
            }
            return byName;
        } finally {
            Files.deleteIfExists(script);
        }
    }
}
