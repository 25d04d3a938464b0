package io.airlock.registry;

import io.airlock.blob.BlobStore;
import io.airlock.contracts.v1.RecordStageRequest;
import io.airlock.contracts.v1.RegistryGrpc;
import io.airlock.contracts.v1.WriteOutcome;

import org.eclipse.microprofile.config.ConfigProvider;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

import static io.airlock.registry.Requests.stage;
import static io.airlock.registry.Requests.transition;
import static org.assertj.core.api.Assertions.assertThat;

/** Drives submissions through the pipeline's writes, with real bytes in the test blob store. */
final class Pipeline {
    static final String POLICY = "scanner-policy 2026.11";

    private Pipeline() {
    }

    /** Random bytes stored the honest way; answers their content address. */
    static String storedBlob(BlobStore store, byte[] bytes) {
        try {
            return store.put(new ByteArrayInputStream(bytes), bytes.length).ref().uri();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        new java.util.Random().nextBytes(b);
        return b;
    }

    /**
     * Writes {@code bytes} where the store keeps blob {@code blob}, behind its back: a blob whose
     * bytes are not what its address says (a swapped file on the shared volume).
     */
    static void forgeBlob(BlobStore store, String blob, byte[] bytes) {
        String hex = blob.substring("sha256:".length());
        // the bean is a client proxy: the root comes from the same config the producer read
        Path root = Path.of(ConfigProvider.getConfig().getValue("airlock.blob.root", String.class)).toAbsolutePath();
        Path file = root.resolve("sha256").resolve(hex.substring(0, 2)).resolve(hex);
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(UUID.randomUUID() + ".forged");
            Files.write(tmp, bytes);
            Files.move(tmp, file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** received -> queued -> scanning (two passing stages, one naming its policy) -> evaluating (one stage). */
    static void toEvaluating(RegistryGrpc.RegistryBlockingStub registry, String id) {
        registry.transition(transition(id, 1, "queued"));
        registry.transition(transition(id, 1, "scanning"));
        RecordStageRequest gate = stage(id, 1, "format_gate", "PASS");
        gate = gate.toBuilder().setStage(gate.getStage().toBuilder().putDetails("policyVersion", POLICY)).build();
        registry.recordStage(gate);
        registry.recordStage(stage(id, 1, "integrity", "PASS"));
        registry.transition(transition(id, 1, "evaluating"));
        registry.recordStage(stage(id, 1, "model_load", "PASS").toBuilder()
                .setStage(stage(id, 1, "model_load", "PASS").getStage().toBuilder().setService("evaluator")).build());
    }

    /** A model submission with honest bytes, promoted; answers its id. */
    static String promoted(RegistryGrpc.RegistryBlockingStub registry, BlobStore store) {
        return promoted(registry, store, "tests");
    }

    /** The same, submitted by {@code submitter}. */
    static String promoted(RegistryGrpc.RegistryBlockingStub registry, BlobStore store, String submitter) {
        byte[] bytes = randomBytes(4096);
        String id = Requests.newId();
        registry.createSubmission(Requests.model(id, storedBlob(store, bytes), bytes.length).toBuilder()
                .setSubmitter(submitter).build());
        toEvaluating(registry, id);
        assertThat(registry.transition(transition(id, 1, "promoted")).getOutcome())
                .isEqualTo(WriteOutcome.WRITE_OUTCOME_APPLIED);
        return id;
    }
}
