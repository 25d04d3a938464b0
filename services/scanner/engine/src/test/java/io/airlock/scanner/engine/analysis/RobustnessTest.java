package io.airlock.scanner.engine.analysis;

import io.airlock.formats.Format;
import io.airlock.formats.FormatSniffer;
import io.airlock.fixtures.PickleBuilder;
import io.airlock.fixtures.ZipBuilder;
import io.airlock.formats.ByteSource;
import io.airlock.formats.GgufValidator;
import io.airlock.formats.InputCursor;
import io.airlock.formats.MalformedException;
import io.airlock.formats.PickleMachine;
import io.airlock.formats.SafetensorsValidator;
import io.airlock.formats.ZipArchive;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * A quick fuzz without a fuzzer: every parser runs over a few thousand random mutations of valid
 * samples (bit flips, lying length fields, insertions, deletions, truncations, splices). None may
 * throw anything but the engine's own {@link MalformedException}, none may take long on a small
 * input, and the static scan as a whole must never throw at all.
 */
class RobustnessTest {
    static final int MUTATIONS = 2500;
    /** Generous for a 2 KiB input on a loaded 2-core machine; a hang or a quadratic blow-up is far above it. */
    static final long MAX_NANOS_PER_INPUT = 2_000_000_000L;

    interface Parser {
        void parse(byte[] b) throws Exception;
    }

    static Stream<Arguments> parsers() {
        byte[] gguf = io.airlock.fixtures.GgufFixtures.gguf();
        byte[] safetensors = io.airlock.fixtures.GgufFixtures.safetensors();
        byte[] torch = ZipBuilder.honestTorch();
        byte[] pickle = PickleBuilder.torchDataPkl(3, 4);
        byte[] legacy = HostileArchiveTest.legacy(HostileArchiveTest.legacyModel(), List.of("0", "1"),
                HostileArchiveTest.concat(HostileArchiveTest.le64(4), new byte[16], HostileArchiveTest.le64(2), new byte[16]));
        byte[] joblib = HostilePickleTest.joblibWithArrayThen(PickleBuilder.calling("os", "system", "id"));
        byte[] gz = HostilePickleTest.gzip(pickle);
        byte[] npz = ZipBuilder.zip().with("a.npy", HostilePickleTest.npyObject(pickle)).with("b.npy", HostileArchiveTest.npy()).bytes();
        Parser scan = b -> {
            Format f = FormatSniffer.sniff(b, b.length).format();
            new StaticScan(ImportTiers.builtin(), StaticScanPolicy.defaults()).scan(ByteSource.of(b), f);
        };
        Parser machine = b -> {
            InputCursor in = InputCursor.of(ByteSource.of(b), 0, b.length, "pickle.malformed");
            while (!in.atEnd()) {
                PickleMachine.Result r = PickleMachine.run(in, PickleMachine.Limits.defaults());
                if (!r.complete()) {
                    break;
                }
            }
        };
        Parser zip = b -> {
            ZipArchive.Directory d = ZipArchive.read(ByteSource.of(b), ZipArchive.Limits.defaults());
            List<ZipArchive.Problem> problems = new ArrayList<>();
            for (ZipArchive.Entry e : d.entries()) {
                try (ZipArchive.MemberStream ms = ZipArchive.open(ByteSource.of(b), e, ZipArchive.Limits.defaults(), problems)) {
                    byte[] buf = new byte[4096];
                    while (ms.read(buf, 0, buf.length) > 0) {
                        // drain
                    }
                }
            }
        };
        return Stream.of(
                arguments("gguf validator", gguf, (Parser) b -> GgufValidator.validate(ByteSource.of(b))),
                arguments("safetensors validator", safetensors, (Parser) b -> SafetensorsValidator.validate(ByteSource.of(b))),
                arguments("pickle machine", pickle, machine),
                arguments("pickle machine on joblib", joblib, machine),
                arguments("zip archive", torch, zip),
                arguments("zip archive of npz", npz, zip),
                arguments("sniffer", torch, (Parser) b -> FormatSniffer.sniff(b, b.length)),
                arguments("static scan of a torch zip", torch, scan),
                arguments("static scan of a pickle", pickle, scan),
                arguments("static scan of a legacy torch file", legacy, scan),
                arguments("static scan of a joblib dump", joblib, scan),
                arguments("static scan of a gzip", gz, scan),
                arguments("static scan of an npz", npz, scan),
                arguments("static scan of an npy object array", HostilePickleTest.npyObject(pickle), scan));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("parsers")
    void survivesMutations(String name, byte[] seed, Parser parser) {
        assertTimeoutPreemptively(Duration.ofMinutes(2), () -> {
            Random rnd = new Random(name.hashCode());
            long worst = 0;
            int malformed = 0;
            for (int i = 0; i < MUTATIONS; i++) {
                byte[] m = mutate(seed, rnd);
                long t0 = System.nanoTime();
                try {
                    parser.parse(m);
                } catch (MalformedException expected) {
                    malformed++;
                } catch (Throwable t) {
                    throw new AssertionError(name + " threw " + t + " on mutation " + i + ": " + hex(m), t);
                }
                worst = Math.max(worst, System.nanoTime() - t0);
            }
            assertThat(worst).as(name + ": slowest input took " + worst / 1_000_000 + " ms").isLessThan(MAX_NANOS_PER_INPUT);
            System.out.printf("%s: %d mutations, %d malformed, slowest %.1f ms%n", name, MUTATIONS, malformed, worst / 1e6);
        });
    }

    static byte[] mutate(byte[] seed, Random rnd) {
        byte[] b = seed.clone();
        int kind = rnd.nextInt(7);
        switch (kind) {
            case 0 -> { // a few random bytes
                for (int k = 1 + rnd.nextInt(8); k > 0; k--) {
                    b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
                }
            }
            case 1 -> { // a length field that lies: 4 or 8 bytes of 0xff or a large value
                int at = rnd.nextInt(Math.max(1, b.length - 8));
                int n = rnd.nextBoolean() ? 4 : 8;
                long v = rnd.nextBoolean() ? -1L : rnd.nextLong() >>> rnd.nextInt(64);
                for (int k = 0; k < n && at + k < b.length; k++) {
                    b[at + k] = (byte) (v >>> (8 * k));
                }
            }
            case 2 -> b = Arrays.copyOf(b, rnd.nextInt(b.length + 1)); // truncation
            case 3 -> { // insertion
                int at = rnd.nextInt(b.length + 1);
                byte[] ins = new byte[1 + rnd.nextInt(16)];
                rnd.nextBytes(ins);
                b = concat(Arrays.copyOf(b, at), ins, Arrays.copyOfRange(b, at, b.length));
            }
            case 4 -> { // deletion
                int at = rnd.nextInt(b.length);
                int len = Math.min(b.length - at, 1 + rnd.nextInt(16));
                b = concat(Arrays.copyOf(b, at), Arrays.copyOfRange(b, at + len, b.length));
            }
            case 5 -> { // splice a block of the file over another place
                int from = rnd.nextInt(b.length);
                int to = rnd.nextInt(b.length);
                int len = Math.min(Math.min(b.length - from, b.length - to), 1 + rnd.nextInt(64));
                System.arraycopy(seed, from, b, to, len);
            }
            default -> { // bit flips
                for (int k = 1 + rnd.nextInt(4); k > 0; k--) {
                    int at = rnd.nextInt(b.length);
                    b[at] ^= (byte) (1 << rnd.nextInt(8));
                }
            }
        }
        return b;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(p);
        }
        return o.toByteArray();
    }

    static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < b.length && i < 4096; i++) {
            sb.append(String.format("%02x", b[i]));
        }
        return sb.toString() + " / " + new String(b, StandardCharsets.ISO_8859_1).replaceAll("[^ -~]", ".");
    }
}
