package io.airlock.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.airlock.signing.Dsse;
import io.airlock.signing.InToto;
import io.airlock.signing.Keys;
import io.airlock.signing.SigningException;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.Callable;

/**
 * {@code airlock attestation verify FILE}: what a serving system does before it loads a model: the
 * registry's signed admission must verify with the pinned registry key, be an Airlock admission
 * with verdict {@code promoted}, and name exactly this file's SHA-256.
 */
@Command(name = "attestation", description = "Check the registry's signed admission of a model file.",
        mixinStandardHelpOptions = true, subcommands = AttestationCommand.Verify.class)
final class AttestationCommand implements Runnable {
    static final String PREDICATE_TYPE = "https://airlock.dev/attestation/admission/v1";

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required (verify)");
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = "Verify FILE against an admission envelope (a file, or fetched by model id from the server) "
                    + "and the registry's public key.",
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {"0:admitted: the signature verifies and the statement names this file's digest",
                    "1:not admitted: bad signature, other digest, other verdict, or withdrawn (409 from the server)",
                    "2:tool error (unreadable file or key, server unreachable)"})
    static final class Verify implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "FILE", description = "the model file about to be loaded")
        Path file;

        @ArgGroup(multiplicity = "1")
        Source source;

        static final class Source {
            @Option(names = "--admission", paramLabel = "ENVELOPE", description = "the DSSE envelope (JSON file)")
            Path envelope;

            @Option(names = "--model", paramLabel = "ID", description = "fetch the envelope of this model from the server")
            String modelId;
        }

        @Option(names = "--key", required = true, paramLabel = "PEM",
                description = "the registry's public key, pinned (never fetched from the server it vouches for)")
        Path key;

        @Mixin
        RemoteOptions remote;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            if (!LocalFile.check(file, err) || !LocalFile.check(key, err)
                    || (source.envelope != null && !LocalFile.check(source.envelope, err))) {
                return ExitCodes.TOOL_ERROR;
            }
            Keys.Verifier verifier;
            try {
                verifier = Keys.verifier(Files.readString(key, StandardCharsets.US_ASCII));
            } catch (SigningException | IOException e) {
                err.println("airlock: --key: " + e.getMessage());
                return ExitCodes.TOOL_ERROR;
            }
            JsonNode json;
            if (source.envelope != null) {
                if (Files.size(source.envelope) > 1 << 20) {
                    err.println("airlock: " + source.envelope + " is too large to be an admission envelope");
                    return ExitCodes.REJECT;
                }
                try {
                    json = new ObjectMapper().readTree(source.envelope.toFile());
                } catch (IOException e) {
                    err.println("airlock: not admitted: the envelope is not JSON");
                    return ExitCodes.REJECT;
                }
            } else {
                GatewayClient gw = new GatewayClient(remote);
                GatewayClient.Answer a;
                try {
                    a = gw.get("/v1/admissions/" + java.net.URLEncoder.encode(source.modelId, StandardCharsets.UTF_8));
                } catch (ConnectException e) {
                    err.println("airlock: cannot reach " + gw.base());
                    return ExitCodes.TOOL_ERROR;
                }
                if (a.status() == 404 || a.status() == 409) {
                    err.println("airlock: not admitted: " + a.body().path("detail").asText("HTTP " + a.status()));
                    return ExitCodes.REJECT;
                }
                if (a.status() != 200) {
                    err.println("airlock: HTTP " + a.status() + ": " + a.body().path("detail").asText(a.body().toString()));
                    return ExitCodes.TOOL_ERROR;
                }
                json = a.body();
            }
            String problem = check(json, verifier, sha256(file));
            if (problem != null) {
                err.println("airlock: not admitted: " + problem);
                return ExitCodes.REJECT;
            }
            InToto st = InToto.parse(Dsse.fromJson(json).payload());
            out.printf("admitted: %s sha256:%s model %s, policy %s, issued %s%s%n", file.getFileName(), sha256(file),
                    st.predicate().path("modelId").asText(), st.predicate().path("policyVersion").asText(),
                    st.predicate().path("issuedAt").asText(),
                    st.predicate().path("keyEphemeral").asBoolean() ? " (signed with an ephemeral registry key)" : "");
            out.flush();
            return ExitCodes.PASS;
        }

        /** Why the envelope does not admit a file of this digest, or null when it does. */
        static String check(JsonNode json, Keys.Verifier key, String sha256) {
            Dsse env;
            InToto st;
            try {
                env = Dsse.fromJson(json);
                if (!Dsse.IN_TOTO.equals(env.payloadType())) {
                    return "payload type " + env.payloadType() + " is not an in-toto statement";
                }
                // the signature first: nothing in an unverified payload is believed
                if (!env.verifiedBy(key)) {
                    return "the signature does not verify with the pinned registry key";
                }
                st = InToto.parse(env.payload());
            } catch (SigningException e) {
                return e.getMessage();
            }
            if (!PREDICATE_TYPE.equals(st.predicateType())) {
                return "predicate type " + st.predicateType() + " is not an Airlock admission";
            }
            if (!"promoted".equals(st.predicate().path("verdict").asText())) {
                return "verdict is '" + st.predicate().path("verdict").asText() + "', not promoted";
            }
            boolean named = st.subjects().stream().anyMatch(s -> sha256.equals(s.digest().get("sha256")));
            return named ? null : "the statement names another digest, not this file's sha256:" + sha256;
        }

        private static String sha256(Path file) throws IOException {
            try (InputStream in = Files.newInputStream(file)) {
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                byte[] buf = new byte[1 << 20];
                int n;
                while ((n = in.read(buf)) > 0) {
                    md.update(buf, 0, n);
                }
                return HexFormat.of().formatHex(md.digest());
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
