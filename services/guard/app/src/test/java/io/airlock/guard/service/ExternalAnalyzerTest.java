package io.airlock.guard.service;

import com.google.protobuf.ByteString;
import io.airlock.contracts.v1.ArtifactRef;
import io.airlock.contracts.v1.CheckRequest;
import io.airlock.contracts.v1.CheckResponse;
import io.airlock.contracts.v1.GuardGrpc;
import io.airlock.contracts.v1.GuardVerdict;
import io.airlock.contracts.v1.Kind;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The external-analyzer route: a real subprocess per check (a stand-in for kernelguard, since
 * Python packages cannot be installed here), its verdict merged, its outage an UNAVAILABLE.
 */
@QuarkusTest
@TestProfile(ExternalAnalyzerTest.Profile.class)
class ExternalAnalyzerTest {

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("airlock.guard.external.command", "python3 src/test/resources/external/standin-analyzer.py",
                    "airlock.guard.external.timeout", "2s");
        }
    }

    @TestHTTPResource("/")
    URL url;
    ManagedChannel channel;
    GuardGrpc.GuardBlockingStub guard;

    @BeforeAll
    static void needsPython() {
        assumeTrue(new java.io.File("/usr/bin/python3").canExecute(), "python3 is not installed: the stand-in analyzer cannot run");
    }

    @BeforeEach
    void connect() {
        channel = ManagedChannelBuilder.forAddress(url.getHost(), url.getPort()).usePlaintext().build();
        guard = GuardGrpc.newBlockingStub(channel);
    }

    @AfterEach
    void close() {
        channel.shutdownNow();
    }

    @Test
    void theAnalyzersBlockIsMerged() {
        CheckResponse r = guard.check(kernel("import torch\n\ntorch.cuda.synchronize = lambda: None\n"));
        assertThat(r.getVerdict()).isEqualTo(GuardVerdict.GUARD_VERDICT_BLOCK);
        assertThat(r.getFindingsList()).extracting(f -> f.getRule()).contains("external.timer_monkeypatch");
    }

    @Test
    void anHonestKernelIsAllowedByBoth() {
        CheckResponse r = guard.check(kernel("import torch\n\ndef custom_kernel(x):\n    return x @ x\n"));
        assertThat(r.getVerdict()).isEqualTo(GuardVerdict.GUARD_VERDICT_ALLOW);
    }

    @Test
    void anAnalyzerThatHangsIsAnOutageNotAnAllow() {
        long t0 = System.nanoTime();
        assertUnavailable(kernel("import torch\n# SLEEP_FOREVER\n"));
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(5000);
    }

    @Test
    void anAnalyzerThatAnswersGarbageOrFailsIsAnOutage() {
        assertUnavailable(kernel("import torch\n# ANSWER_GARBAGE\n"));
        assertUnavailable(kernel("import torch\n# EXIT_TWO\n"));
    }

    @Test
    void modelsAreNotSentToAKernelAnalyzer() {
        CheckRequest model = CheckRequest.newBuilder().setSubmissionId("t").setKind(Kind.KIND_MODEL)
                .setArtifact(ArtifactRef.newBuilder().setFilename("m.gguf").setBlob("sha256:" + "0".repeat(64)))
                .setInlineContent(ByteString.copyFrom(new byte[]{'G', 'G', 'U', 'F', 3, 0, 0, 0, 0, 0, 0, 0}))
                .build();
        assertThat(guard.check(model).getFindingsList()).extracting(f -> f.getRule())
                .noneMatch(rule -> rule.startsWith("external."));
    }

    private void assertUnavailable(CheckRequest req) {
        assertThatThrownBy(() -> guard.check(req)).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }

    private static CheckRequest kernel(String source) {
        return CheckRequest.newBuilder().setSubmissionId("t").setKind(Kind.KIND_KERNEL)
                .setArtifact(ArtifactRef.newBuilder().setFilename("k.py").setBlob("sha256:" + "0".repeat(64)))
                .setInlineContent(ByteString.copyFromUtf8(source)).build();
    }
}
