package io.airlock.evaluator.service;

import io.airlock.blob.BlobRef;
import io.airlock.blob.BlobStore;
import io.airlock.blob.BlobStoreException;
import io.airlock.contracts.ConformanceWork;
import io.airlock.contracts.StageResult;
import io.airlock.contracts.v1.ConformanceCase;
import io.airlock.contracts.v1.ConformanceRunAck;
import io.airlock.contracts.v1.RecordConformanceRunRequest;
import io.airlock.contracts.v1.RegistryGrpc;
import io.airlock.evaluator.engine.EvalReport;
import io.airlock.evaluator.engine.corpus.Corpora;
import io.airlock.evaluator.engine.corpus.Corpus;
import io.airlock.evaluator.engine.corpus.PinnedCorpus;
import io.airlock.evaluator.engine.run.CaseResult;
import io.airlock.evaluator.engine.run.CategoryStats;
import io.airlock.evaluator.engine.run.RunReport;
import io.airlock.formats.FormatSniffer;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Runs a conformance corpus against a promoted model and reports every case to the registry
 * (RecordConformanceRun, idempotent per run id, so a redelivered message records once). The corpus
 * must be what the evaluation names: a builtin whose digest matches the pinned one, or a file of
 * the corpora folder whose digest matches (and whose signature verifies when signatures are
 * required). Anything that keeps the corpus from running is reported as a run that did not run,
 * with the reason; it is never a pass.
 */
@ApplicationScoped
public class ConformanceRunner {
    @Inject
    BlobStore blobs;
    @Inject
    ModelRunner runner;
    @Inject
    EvaluatorConfig config;
    @GrpcClient("registry")
    RegistryGrpc.RegistryBlockingStub registry;

    /** Why a run could not happen; becomes a not-run record. */
    static final class NotRun extends Exception {
        NotRun(String message) {
            super(message, null, false, false);
        }
    }

    public void run(ConformanceWork w) {
        Instant started = Instant.now();
        RecordConformanceRunRequest request;
        try {
            request = evaluate(w, started);
        } catch (NotRun e) {
            request = RecordConformanceRunRequest.newBuilder().setRunId(w.runId()).setCompleted(false)
                    .setError(e.getMessage()).setStartedAt(started.toString()).setFinishedAt(Instant.now().toString())
                    .setExecutionProvider("none").setActor(EvalWorker.ACTOR).build();
        }
        // a failure here throws: the message is nacked, redelivered, and finally dead-lettered (run closed)
        ConformanceRunAck ack = registry.withDeadlineAfter(config.registryDeadline().toMillis(), TimeUnit.MILLISECONDS)
                .recordConformanceRun(request);
        Log.infof("conformance run=%s evaluation=%s model=%s corpus=%s: %s, %s -> %s (phase %s)", w.runId(),
                w.evaluation(), w.modelId(), w.corpus(), request.getCompleted() ? "completed" : "not run",
                request.getCompleted() ? request.getFlagged() + "/" + request.getDetermined() + " attacks succeeded"
                        : request.getError(), ack.getOutcome(), ack.getPhase());
    }

    private RecordConformanceRunRequest evaluate(ConformanceWork w, Instant started) throws NotRun {
        Path model;
        String format;
        try {
            model = blobs.path(BlobRef.parse(w.blob()));
            format = FormatSniffer.sniff(model).format().id();
        } catch (BlobStoreException.NotFound e) {
            throw new NotRun("the model's bytes " + w.blob() + " are missing from the blob store");
        } catch (IOException | RuntimeException e) {
            throw new NotRun("the model could not be read: " + e.getMessage());
        }
        EvalReport report;
        String signature;
        if (w.external()) {
            PinnedCorpus pinned = pin(w);
            try {
                signature = pinned.signature().describe();
                report = runner.evaluate(model, format, "default", pinned.file().toString(), signature);
            } finally {
                delete(pinned.file());
            }
        } else {
            Corpus builtin = Corpora.builtin(w.corpus())
                    .orElseThrow(() -> new NotRun("this evaluator has no builtin corpus '" + w.corpus() + "'"));
            if (!w.corpusDigest().isEmpty() && !w.corpusDigest().equals(builtin.digest())) {
                throw new NotRun("builtin corpus " + w.corpus() + " is " + builtin.digest() + " in this evaluator, "
                        + "the evaluation pins " + w.corpusDigest());
            }
            signature = "builtin";
            report = runner.evaluate(model, format, w.corpus(), "", signature);
        }
        if (report.runs().isEmpty()) {
            throw new NotRun("the corpus did not run: " + whyNot(report));
        }
        RunReport run = report.runs().get(0);
        CategoryStats all = run.overall();
        RecordConformanceRunRequest.Builder b = RecordConformanceRunRequest.newBuilder().setRunId(w.runId())
                .setCompleted(true).setStartedAt(started.toString()).setFinishedAt(Instant.now().toString())
                .setExecutionProvider(report.executionProvider()).setCorpusName(run.corpusName())
                .setCorpusDigest(run.corpusDigest()).setAttacks(all.attacks()).setDetermined(all.determined())
                .setFlagged(all.flagged()).setUndetermined(all.undetermined()).setFailed(run.failed())
                .setAttackSuccessRate(all.determined() == 0 ? 0 : (double) all.flagged() / all.determined())
                .setActor(EvalWorker.ACTOR);
        for (CaseResult c : run.results()) {
            b.addCases(ConformanceCase.newBuilder().setCaseId(c.caseId()).setCategory(c.category())
                    .setSeverity(c.severity()).setExpected(c.expected()).setActual(c.actual())
                    .setVerdict(c.verdict().name()).setReason(c.reason().wire()).setFlagged(c.flagged())
                    .setExcerpt(c.excerpt()));
        }
        Map<String, String> details = new TreeMap<>(run.environment());
        report.isolation().forEach((k, v) -> details.put("isolation." + k, v));
        details.put("corpusSignature", signature);
        details.put("gpu", report.gpu());
        b.putAllDetails(details);
        return b.build();
    }

    /** The external corpus, pinned, with the digest the evaluation names; else why not. */
    private PinnedCorpus pin(ConformanceWork w) throws NotRun {
        Optional<String> dir = config.corporaDir();
        if (dir.isEmpty()) {
            throw new NotRun("external corpus " + w.corpus() + ": this evaluator has no corpora folder "
                    + "(airlock.evaluator.corpora-dir)");
        }
        String name = w.corpus().substring(ConformanceWork.FILE_PREFIX.length());
        // the registry checked the name; checked again here, where it becomes a path
        if (!ConformanceWork.invalidCorpus(w.corpus(), w.corpusDigest()).isEmpty()) {
            throw new NotRun("corpus reference refused: " + ConformanceWork.invalidCorpus(w.corpus(), w.corpusDigest()));
        }
        Path file = Path.of(dir.get()).resolve(name);
        if (!Files.isRegularFile(file)) {
            throw new NotRun("external corpus " + name + " is not in the corpora folder " + dir.get());
        }
        PinnedCorpus pinned;
        try {
            pinned = runner.pinExternal(file);
        } catch (Exception e) {
            throw new NotRun("external corpus " + name + " refused: " + e.getMessage());
        }
        if (!pinned.corpus().digest().equals(w.corpusDigest())) {
            delete(pinned.file());
            throw new NotRun("external corpus " + name + " is " + pinned.corpus().digest() + ", the evaluation pins "
                    + w.corpusDigest() + ": not run on other bytes");
        }
        return pinned;
    }

    /** The behavioral stage's reason, or else the model load's failure. */
    static String whyNot(EvalReport report) {
        for (String stage : new String[]{"behavioral_test", "model_load"}) {
            Optional<StageResult> s = report.stage(stage);
            if (s.isPresent()) {
                String reason = s.get().details().getOrDefault("reason", "");
                if (reason.isEmpty() && !s.get().findings().isEmpty()) {
                    reason = s.get().findings().get(0).rule() + ": " + s.get().findings().get(0).message();
                }
                if (!reason.isEmpty()) {
                    return stage + " " + s.get().status() + " (" + reason + ")";
                }
            }
        }
        return "no reason given";
    }

    private static void delete(Path pinnedCopy) {
        try {
            Files.deleteIfExists(pinnedCopy);
            Files.deleteIfExists(pinnedCopy.getParent());
        } catch (IOException e) {
            Log.warnf("could not remove the private corpus copy %s: %s", pinnedCopy, e.getMessage());
        }
    }
}
