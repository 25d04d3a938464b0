package io.airlock.gateway;

import io.airlock.identity.Roles;
import io.airlock.testing.RealServicesResource;
import io.airlock.testing.TestIdentity;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Uploads that never finish are bounded over a real socket: a client that stops sending is cut by
 * the idle timeout, one that trickles a byte at a time (slowloris) by the request deadline, one
 * that hangs up mid-body leaves no partial upload behind; none of them gets anything recorded.
 */
@QuarkusTest
@TestProfile(SlowClientTests.Profile.class)
@QuarkusTestResource(value = RealServicesResource.class, restrictToAnnotatedClass = true)
class SlowClientTests {
    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.http.idle-timeout", "2s", "airlock.gateway.request-deadline", "4s");
        }
    }

    @TestHTTPResource("/")
    URL base;

    private Socket startUpload(int declaredBodyBytes, int sentBodyBytes) throws IOException {
        Socket s = new Socket(base.getHost(), base.getPort());
        s.setSoTimeout(15_000);
        OutputStream out = s.getOutputStream();
        String boundary = "slow";
        // a valid token: these uploads pass the identity check and are cut by the HTTP layer's bounds
        out.write(("POST /v1/submissions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                + TestIdentity.token("slow", Roles.SUBMITTER) + "\r\nContent-Type: multipart/form-data; boundary="
                + boundary + "\r\nContent-Length: " + declaredBodyBytes + "\r\n\r\n"
                + "--slow\r\nContent-Disposition: form-data; name=\"file\"; filename=\"m.gguf\"\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(new byte[sentBodyBytes]);
        out.flush();
        return s;
    }

    /** Milliseconds until the server closes the connection (reads until end of stream or reset). */
    private static long untilClosed(Socket s, long start) throws IOException {
        InputStream in = s.getInputStream();
        try {
            while (in.read() != -1) {
                // a response, if any, is read and ignored: only the close matters
            }
        } catch (SocketException e) {
            // reset: closed too
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    @Test
    void aClientThatStopsSendingIsCutByTheIdleTimeout() throws Exception {
        long start = System.nanoTime();
        try (Socket s = startUpload(100_000, 1_000)) {
            assertThat(untilClosed(s, start)).isBetween(1_500L, 4_500L);
        }
    }

    @Test
    void aClientTricklingBytesIsCutByTheRequestDeadline() throws Exception {
        long start = System.nanoTime();
        try (Socket s = startUpload(100_000, 1_000)) {
            OutputStream out = s.getOutputStream();
            long closedAt = -1;
            // one byte every 500 ms: never idle for 2 s, and never done
            for (int i = 0; i < 30 && closedAt < 0; i++) {
                Thread.sleep(500);
                try {
                    out.write(0);
                    out.flush();
                } catch (IOException e) {
                    closedAt = (System.nanoTime() - start) / 1_000_000;
                }
            }
            if (closedAt < 0) {
                closedAt = untilClosed(s, start);
            }
            assertThat(closedAt).as("cut near the 4 s deadline, not the 15 s the client would take").isBetween(3_500L, 8_000L);
        }
    }

    @Test
    void aClientThatHangsUpMidBodyLeavesNoUploadBehind() throws Exception {
        Path uploads = Path.of("target/test-blobs/uploads");
        try (Socket s = startUpload(100_000, 50_000)) {
            Thread.sleep(300);
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        long left;
        do {
            Thread.sleep(200);
            left = countFiles(uploads);
        } while (left > 0 && System.nanoTime() < deadline);
        assertThat(left).as("partial uploads left in " + uploads).isZero();
    }

    private static long countFiles(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }
}
