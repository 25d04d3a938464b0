package io.airlock.guard.service;

import com.google.protobuf.ByteString;
import io.airlock.blob.BlobStore;
import io.airlock.blob.StoredBlob;
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
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/** The guard over real gRPC (HTTP/2 on the HTTP port) and the real blob store on disk. */
@QuarkusTest
class GuardGrpcServiceTest {
    @TestHTTPResource("/")
    URL url;
    @Inject
    BlobStore blobs;

    ManagedChannel channel;
    GuardGrpc.GuardBlockingStub guard;

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
    void aPickleDressedAsSafetensorsIsBlockedByReference() throws Exception {
        StoredBlob b = blobs.put(new ByteArrayInputStream(new byte[]{(byte) 0x80, 0x02, 'K', 0x01, '.'}), 1000);
        CheckResponse r = guard.check(request(Kind.KIND_MODEL, b, "model.safetensors"));
        assertThat(r.getVerdict()).isEqualTo(GuardVerdict.GUARD_VERDICT_BLOCK);
        assertThat(r.getFindingsList()).extracting(f -> f.getRule()).contains("guard.format_mismatch");
        assertThat(r.getDetectedFormat()).isEqualTo("pickle");
        assertThat(r.getEngineVersion()).isNotBlank();
    }

    @Test
    void anHonestGgufIsAllowed() throws Exception {
        byte[] gguf = new byte[24];
        System.arraycopy("GGUF".getBytes(StandardCharsets.US_ASCII), 0, gguf, 0, 4);
        gguf[4] = 3;
        StoredBlob b = blobs.put(new ByteArrayInputStream(gguf), 1000);
        CheckResponse r = guard.check(request(Kind.KIND_MODEL, b, "model.gguf"));
        assertThat(r.getVerdict()).isEqualTo(GuardVerdict.GUARD_VERDICT_ALLOW);
    }

    @Test
    void inlineKernelSourcesAreCheckedWithoutTheBlobStore() {
        CheckRequest ok = CheckRequest.newBuilder().setSubmissionId("t").setKind(Kind.KIND_KERNEL)
                .setArtifact(ArtifactRef.newBuilder().setFilename("k.py").setBlob("sha256:" + "0".repeat(64)))
                .setInlineContent(ByteString.copyFromUtf8("import torch\n\ndef custom_kernel(x):\n    return x * 2\n"))
                .build();
        assertThat(guard.check(ok).getVerdict()).isEqualTo(GuardVerdict.GUARD_VERDICT_ALLOW);
        // a kernel over the configured 4 KiB limit is blocked
        CheckRequest big = ok.toBuilder()
                .setInlineContent(ByteString.copyFromUtf8("import torch\n" + "# pad\n".repeat(1000))).build();
        CheckResponse r = guard.check(big);
        assertThat(r.getVerdict()).isEqualTo(GuardVerdict.GUARD_VERDICT_BLOCK);
        assertThat(r.getFindingsList()).extracting(f -> f.getRule()).contains("guard.size_limit");
    }

    @Test
    void badRequestsAreRefusedWithTheRightStatus() {
        assertThatThrownBy(() -> guard.check(CheckRequest.newBuilder().setSubmissionId("t").build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
        CheckRequest missing = CheckRequest.newBuilder().setSubmissionId("t").setKind(Kind.KIND_MODEL)
                .setArtifact(ArtifactRef.newBuilder().setBlob("sha256:" + "1".repeat(64))).build();
        assertThatThrownBy(() -> guard.check(missing))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    }

    @Test
    void healthAndMetricsAreServed() {
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
        given().get("/q/metrics").then().statusCode(200).body(containsString("airlock_guard_check"));
    }

    private static CheckRequest request(Kind kind, StoredBlob b, String filename) {
        return CheckRequest.newBuilder().setSubmissionId("test").setKind(kind)
                .setArtifact(ArtifactRef.newBuilder().setBlob(b.ref().uri()).setSize(b.size()).setFilename(filename))
                .build();
    }
}
