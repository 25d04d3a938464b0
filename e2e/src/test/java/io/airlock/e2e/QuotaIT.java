package io.airlock.e2e;

import io.airlock.fixtures.onnx.OnnxModels;
import io.airlock.identity.Roles;
import io.airlock.identity.Tokens;
import io.airlock.stack.Service;
import io.airlock.stack.Stack;
import io.restassured.response.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two gateway processes share one user's limits through Redis: the registry, the guard and two
 * gateways run as real processes, the workers do not (an accepted submission stays queued, holding
 * its in-flight slot, until the registry records a final status).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QuotaIT {
    Stack stack;
    String gatewayA;
    String gatewayB;
    Path model;

    @BeforeAll
    void start() throws Exception {
        Stack.Options o = E2eStack.options("quota")
                .withExtra(Service.GATEWAY, "airlock.quota.roles.submitter.in-flight", "2")
                .withExtra(Service.GATEWAY, "airlock.quota.roles.submitter.submissions-per-hour", "6");
        stack = E2eStack.prepare(o);
        stack.startAll(Service.REGISTRY, Service.GUARD, Service.GATEWAY);
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        stack.startExtra(Service.GATEWAY, "gateway-b", port);
        gatewayA = stack.url(Service.GATEWAY);
        gatewayB = "http://127.0.0.1:" + port;
        model = Files.write(o.workDir().resolve("m.onnx"), OnnxModels.identityModel());
    }

    @AfterAll
    void stop() throws Exception {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void twoGatewayProcessesShareOneUsersInFlightAndHourlyLimits() throws Exception {
        String user = "quota-" + UUID.randomUUID().toString().substring(0, 8);
        String token = Tokens.issue(E2eStack.KEY, Tokens.LOCAL_ISSUER, user, Roles.SUBMITTER, Duration.ofHours(1));
        String first = submit(gatewayA, token).then().statusCode(202).extract().jsonPath().getString("id");
        submit(gatewayB, token).then().statusCode(202);
        // two in flight, taken on two replicas: each replica refuses the third
        for (String gateway : new String[]{gatewayA, gatewayB}) {
            Response r = submit(gateway, token);
            assertThat(r.statusCode()).as(gateway).isEqualTo(429);
            assertThat(r.jsonPath().getString("limit")).isEqualTo("in-flight");
            assertThat(r.header("Retry-After")).isNotBlank();
        }
        // an operator raises the user's own in-flight limit through one replica, with the CLI: both see it
        PipelineIT.Cli cli = PipelineIT.Cli.run("quota", "set", user, "--in-flight", "3", "--server", gatewayB);
        assertThat(cli.exit()).as(cli.err()).isZero();
        assertThat(cli.out()).contains("limits of " + user + " set");
        submit(gatewayA, token).then().statusCode(202);
        // the registry records a final status (as a worker would): the slot is free for both replicas
        transitionToFailed(first);
        submit(gatewayB, token).then().statusCode(202);
        // the seventh submission this hour across both replicas is over the limit of six (refused ones count too)
        Response overTheHour = submit(gatewayA, token);
        assertThat(overTheHour.statusCode()).isEqualTo(429);
        assertThat(overTheHour.jsonPath().getString("limit")).isEqualTo("submissions-per-hour");
    }

    private Response submit(String gateway, String token) {
        return given().header("Authorization", "Bearer " + token).multiPart("file", model.toFile())
                .multiPart("kind", "model").post(gateway + "/v1/submissions");
    }

    private void transitionToFailed(String id) {
        var channel = io.grpc.ManagedChannelBuilder.forAddress("127.0.0.1", stack.process(Service.REGISTRY).port())
                .usePlaintext().build();
        try {
            io.grpc.Metadata auth = new io.grpc.Metadata();
            auth.put(io.grpc.Metadata.Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER),
                    "Bearer " + E2eStack.SERVICE_TOKEN);
            var registry = io.airlock.contracts.v1.RegistryGrpc.newBlockingStub(channel)
                    .withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(auth));
            var ack = registry.transition(io.airlock.contracts.v1.TransitionRequest.newBuilder()
                    .setSubmissionId(id).setAttempt(1).setStatus("failed").setReason("e2e: ended by the test")
                    .setActor("test").build());
            assertThat(ack.getStatus()).isEqualTo("failed");
        } finally {
            channel.shutdownNow();
        }
    }
}
