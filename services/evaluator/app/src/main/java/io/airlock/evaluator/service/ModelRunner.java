package io.airlock.evaluator.service;

import io.airlock.contracts.StageResult;
import io.airlock.evaluator.engine.EvalOptions;
import io.airlock.evaluator.engine.EvalReport;
import io.airlock.evaluator.engine.Evaluator;
import io.airlock.evaluator.engine.IsolatedRunner;
import io.airlock.evaluator.engine.corpus.CorpusSignature;
import io.airlock.evaluator.engine.corpus.PinnedCorpus;
import io.airlock.signing.Keys;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Runs the evaluator engine on an untrusted model: by default in a child JVM with a timeout that
 * kills it, a heap and CPU cap and, where permitted, no network; every stage's details say how it
 * was isolated, so a report never claims isolation it did not have.
 */
@ApplicationScoped
public class ModelRunner {
    @Inject
    EvaluatorConfig config;

    private EvalOptions options;
    private IsolatedRunner isolated;
    /** The private folder of the children's class-data archive, or null. */
    private Path classDataDir;
    /** The corpus signature state for reports: "builtin" for the shipped corpora. */
    private String corpusSignature = "builtin";

    void init(@Observes StartupEvent ev) throws Exception {
        EvalOptions d = EvalOptions.defaults();
        options = d.withThresholds(config.maxAttackSuccessRate(), config.maxCriticalFlags(), config.maxUndeterminedRate())
                .withLimits(config.perPromptTimeout(), config.runTimeout(), config.maxNewTokens())
                .withForceCpu(config.forceCpu())
                .withModelBounds(config.maxConsecutiveTimeouts(), config.maxStepOutputBytes(), config.maxDeviceMemoryBytes())
                .withCorpus(config.corpus(), pinnedCorpusFile());
        if (config.maxAttackSuccessRate() > EvalOptions.DEFAULT_MAX_ASR || config.maxCriticalFlags() > EvalOptions.DEFAULT_MAX_CRITICAL
                || config.maxUndeterminedRate() > EvalOptions.DEFAULT_MAX_UNDETERMINED) {
            Log.warnf("behavioral thresholds loosened beyond the defaults: asr %.2f, critical %d, undetermined %.2f",
                    config.maxAttackSuccessRate(), config.maxCriticalFlags(), config.maxUndeterminedRate());
        }
        IsolatedRunner.Limits safe = IsolatedRunner.Limits.defaults();
        if (config.maxConsecutiveTimeouts() > d.maxConsecutiveTimeouts() || config.maxStepOutputBytes() > d.maxStepOutputBytes()
                || config.childLoadTimeout().compareTo(safe.loadTimeout()) > 0 || config.childMemoryBytes() == 0
                || config.childMemoryBytes() > safe.maxMemoryBytes()) {
            Log.warnf("bounds on what a model controls loosened beyond the defaults: %d consecutive timeouts, %d bytes per "
                            + "step, session creation %s, resident memory %d bytes (0: none)", config.maxConsecutiveTimeouts(),
                    config.maxStepOutputBytes(), config.childLoadTimeout(), config.childMemoryBytes());
        }
        if ("child".equals(config.isolation())) {
            classDataDir = config.childClassData() ? Files.createTempDirectory("airlock-eval-cds-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"))) : null;
            isolated = new IsolatedRunner(Path.of(System.getProperty("java.home"), "bin", "java").toString(), childClasspath(),
                    new IsolatedRunner.Limits(config.childTimeout(), config.childHeapBytes(), config.childCpus(),
                            config.childCpuSeconds(), config.childAddressSpaceBytes(), config.isolateNetwork(),
                            config.childLoadTimeout(), config.childMemoryBytes()), config.childStandby(),
                    classDataDir);
            Log.infof("models run in a child JVM: timeout %s, session creation %s, heap %d MiB, resident memory %d MiB, "
                            + "%d cpu(s), network isolation %s", config.childTimeout(), config.childLoadTimeout(),
                    config.childHeapBytes() >> 20, config.childMemoryBytes() >> 20, config.childCpus(), config.isolateNetwork());
        } else if ("in-process".equals(config.isolation())) {
            Log.warnf("models run INSIDE the evaluator process (airlock.evaluator.isolation=in-process): for debugging only");
        } else {
            throw new IllegalStateException("airlock.evaluator.isolation must be child or in-process, not " + config.isolation());
        }
    }

    /** Stops the standby child with the service. */
    @PreDestroy
    void stop() {
        if (isolated != null) {
            isolated.close();
        }
        if (classDataDir != null) {
            io.airlock.evaluator.engine.pkg.ModelPackage.deleteQuietly(classDataDir);
        }
    }

    /** The configured corpus file, verified and copied privately; "" for a builtin corpus. */
    private String pinnedCorpusFile() throws Exception {
        if (config.corpusFile().isEmpty()) {
            if (config.requireSignedCorpus()) {
                Log.infof("airlock.evaluator.require-signed-corpus: the builtin corpus '%s' ships in the jar", config.corpus());
            }
            return "";
        }
        List<Keys.Verifier> keys = CorpusSignature.keys(config.trustedCorpusKeys().orElse(List.of()).stream()
                .map(Path::of).toList());
        Path privateDir = Files.createTempDirectory("airlock-corpus-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        PinnedCorpus pinned = PinnedCorpus.pin(Path.of(config.corpusFile().get()),
                config.corpusSignatureFile().map(Path::of).orElse(null), keys, config.requireSignedCorpus(), privateDir);
        corpusSignature = pinned.signature().describe();
        Log.infof("corpus %s (%d cases, %s) from %s, signature %s", pinned.corpus().name(), pinned.corpus().cases().size(),
                pinned.corpus().digest(), config.corpusFile().get(), corpusSignature);
        return pinned.file().toString();
    }

    /**
     * The engine and its dependencies for the child. In a packaged service java.class.path is only
     * quarkus-run.jar, whose dependencies sit in lib/main beside it.
     */
    static String childClasspath() {
        String cp = System.getProperty("java.class.path");
        Path first = Path.of(cp.split(java.io.File.pathSeparator)[0]);
        if (first.getFileName().toString().equals("quarkus-run.jar")) {
            Path lib = first.toAbsolutePath().getParent().resolve("lib").resolve("main");
            if (Files.isDirectory(lib)) {
                return lib + java.io.File.separator + "*";
            }
        }
        return cp;
    }

    public EvalReport evaluate(Path file, String format) {
        return evaluate(file, format, options, corpusSignature);
    }

    /**
     * Evaluates against another corpus than the configured one (a conformance run): a builtin name
     * with {@code corpusFile} "", or a file pinned by {@link #pinExternal}. Same isolation and limits.
     */
    public EvalReport evaluate(Path file, String format, String corpus, String corpusFile, String signatureState) {
        return evaluate(file, format, options.withCorpus(corpus, corpusFile), signatureState);
    }

    private EvalReport evaluate(Path file, String format, EvalOptions o, String signatureState) {
        EvalReport r = isolated == null ? new Evaluator().evaluate(file, format, o) : isolated.evaluate(file, format, o);
        return withCorpusSignature(withIsolation(r, isolated == null ? Map.of("mode", "in-process") : r.isolation()),
                signatureState);
    }

    /**
     * An external corpus for one conformance run, checked as the configured one is at start-up: read
     * once, parsed strictly, its signature ({@code <file>.sig} beside it, if any) checked against the
     * trusted keys, required when require-signed-corpus is set, and copied privately. The caller
     * deletes the copy when the run is over.
     */
    public PinnedCorpus pinExternal(Path file) throws Exception {
        List<Keys.Verifier> keys = CorpusSignature.keys(config.trustedCorpusKeys().orElse(List.of()).stream()
                .map(Path::of).toList());
        Path sig = file.resolveSibling(file.getFileName() + ".sig");
        Path privateDir = Files.createTempDirectory("airlock-conformance-corpus-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        return PinnedCorpus.pin(file, Files.isRegularFile(sig) ? sig : null, keys, config.requireSignedCorpus(),
                privateDir);
    }

    /** Says on behavioral_test whether the corpus it ran was builtin, verified, unchecked or unsigned. */
    static EvalReport withCorpusSignature(EvalReport r, String state) {
        List<StageResult> stages = new ArrayList<>();
        for (StageResult s : r.stages()) {
            if (s.stage().equals("behavioral_test") && !s.details().containsKey("reason")) {
                Map<String, String> details = new TreeMap<>(s.details());
                details.put("corpusSignature", state);
                s = new StageResult(s.stage(), s.status(), s.durationMicros(), s.findings(), details);
            }
            stages.add(s);
        }
        return new EvalReport(r.schemaVersion(), stages, r.executionProvider(), r.gpu(), r.runs(), r.isolation());
    }

    /** Puts the isolation facts into every stage's details, where the registry keeps them. */
    static EvalReport withIsolation(EvalReport r, Map<String, String> isolation) {
        List<StageResult> stages = new ArrayList<>();
        for (StageResult s : r.stages()) {
            Map<String, String> details = new TreeMap<>(s.details());
            isolation.forEach((k, v) -> details.putIfAbsent("isolation." + k, v));
            stages.add(new StageResult(s.stage(), s.status(), s.durationMicros(), s.findings(), details));
        }
        return new EvalReport(r.schemaVersion(), stages, r.executionProvider(), r.gpu(), r.runs(), isolation);
    }
}
