package io.airlock.guard.service.external;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.airlock.contracts.Finding;
import io.airlock.contracts.Kind;
import io.airlock.contracts.Severity;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs the configured external analyzer on a submission and turns its JSON answer (KernelGuard's
 * {@code --api-mode} shape: {@code matched_patterns[{pattern, severity, evidence, field}]},
 * {@code should_filter}, {@code filter_reason}) into findings. An analyzer that times out, fails
 * or answers something unreadable is an outage ({@link Unavailable}), never an "allow".
 */
@ApplicationScoped
public class ExternalAnalyzer {
    private static final int MAX_OUTPUT = 1 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    ExternalAnalyzerConfig config;
    @Inject
    MeterRegistry meters;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /** The analyzer could not give an answer; the caller reports the guard unavailable. */
    public static final class Unavailable extends Exception {
        public Unavailable(String message) {
            super(message);
        }
    }

    void validate(@Observes StartupEvent ev) {
        if (config.command().isPresent() && config.url().isPresent()) {
            throw new IllegalStateException("set airlock.guard.external.command or airlock.guard.external.url, not both");
        }
        enabled().ifPresent(how -> Log.infof("external analyzer enabled: %s (timeout %s, kinds %s)", how,
                config.timeout(), config.kinds()));
    }

    private Optional<String> enabled() {
        return config.command().filter(c -> !c.isBlank()).or(() -> config.url().filter(u -> !u.isBlank()));
    }

    /** Supplies the submission's bytes; called only when the analyzer will really read them. */
    @FunctionalInterface
    public interface Content {
        byte[] read() throws IOException;
    }

    /** Findings of the external analyzer, or empty when none is configured for this kind. */
    public Optional<List<Finding>> analyze(Kind kind, long size, Content content) throws Unavailable {
        if (enabled().isEmpty() || !config.kinds().contains(kind.wire())) {
            return Optional.empty();
        }
        if (size > config.maxInputBytes()) {
            return Optional.of(List.of(new Finding("external.not_run", Severity.INFO, "precheck", "",
                    "external analyzer not run: submission larger than " + config.maxInputBytes() + " bytes", "")));
        }
        byte[] submission;
        try {
            submission = content.read();
        } catch (IOException e) {
            throw new Unavailable("cannot read the submission for the external analyzer: " + e.getMessage());
        }
        long t0 = System.nanoTime();
        String outcome = "error";
        try {
            String answer = config.command().filter(c -> !c.isBlank()).isPresent()
                    ? runCommand(submission) : post(submission);
            List<Finding> findings = parse(answer);
            outcome = findings.stream().anyMatch(f -> f.severity().blocksByDefault()) ? "block" : "allow";
            return Optional.of(findings);
        } finally {
            meters.timer("airlock_guard_external", "outcome", outcome).record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
        }
    }

    private String runCommand(byte[] submission) throws Unavailable {
        List<String> cmd = Arrays.asList(config.command().orElseThrow().trim().split("\\s+"));
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            throw new Unavailable("external analyzer cannot start: " + e.getMessage());
        }
        try {
            CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readBounded(p.getInputStream()));
            try (OutputStream in = p.getOutputStream()) {
                in.write(submission);
            } catch (IOException e) {
                // the analyzer may answer without reading everything; its answer decides
            }
            if (!p.waitFor(config.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
                throw new Unavailable("external analyzer timed out after " + config.timeout());
            }
            byte[] bytes = out.get(1, TimeUnit.SECONDS);
            if (bytes == null) {
                throw new Unavailable("external analyzer output larger than " + MAX_OUTPUT + " bytes");
            }
            // KernelGuard exits 0 even for a hacked verdict; 2 means its own configuration failed
            if (p.exitValue() != 0) {
                throw new Unavailable("external analyzer exited with " + p.exitValue());
            }
            return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unavailable("interrupted");
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new Unavailable("external analyzer output unreadable: " + e.getMessage());
        } finally {
            p.destroyForcibly();
        }
    }

    private static byte[] readBounded(InputStream in) {
        try (in) {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            byte[] chunk = new byte[8192];
            int n;
            while ((n = in.read(chunk)) > 0) {
                if (buf.size() + n > MAX_OUTPUT) {
                    return null;
                }
                buf.write(chunk, 0, n);
            }
            return buf.toByteArray();
        } catch (IOException e) {
            return new byte[0];
        }
    }

    private String post(byte[] submission) throws Unavailable {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(config.url().orElseThrow()))
                    .timeout(config.timeout())
                    .header("Content-Type", "application/octet-stream")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(submission)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() / 100 != 2) {
                throw new Unavailable("external analyzer answered HTTP " + r.statusCode());
            }
            return r.body();
        } catch (IOException e) {
            throw new Unavailable("external analyzer unreachable: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unavailable("interrupted");
        }
    }

    static List<Finding> parse(String answer) throws Unavailable {
        JsonNode root;
        try {
            root = JSON.readTree(answer.strip().lines().reduce((a, b) -> b).orElse(""));
        } catch (IOException e) {
            throw new Unavailable("external analyzer answered something that is not JSON");
        }
        if (root == null || !root.isObject() || !root.has("should_filter")) {
            throw new Unavailable("external analyzer answer lacks should_filter");
        }
        List<Finding> out = new ArrayList<>();
        for (JsonNode m : root.path("matched_patterns")) {
            String pattern = m.path("pattern").asText("unnamed").toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]+", "_");
            out.add(new Finding("external." + pattern, severity(m.path("severity").asText("")), "precheck",
                    m.path("field").asText(""), "external analyzer matched " + m.path("pattern").asText(),
                    m.path("evidence").asText("")));
        }
        if (root.path("should_filter").asBoolean(false) && out.stream().noneMatch(f -> f.severity().blocksByDefault())) {
            out.add(new Finding("external.should_filter", Severity.HIGH, "precheck", "",
                    "external analyzer filters this submission: " + root.path("filter_reason").asText(""), ""));
        }
        return out;
    }

    private static Severity severity(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "critical" -> Severity.CRITICAL;
            case "high" -> Severity.HIGH;
            case "medium" -> Severity.MEDIUM;
            case "low" -> Severity.LOW;
            default -> Severity.INFO;
        };
    }
}
