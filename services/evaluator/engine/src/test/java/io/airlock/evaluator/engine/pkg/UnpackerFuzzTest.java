package io.airlock.evaluator.engine.pkg;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Coverage-guided fuzzing (Jazzer) of the package unpacker: any bytes, as a zip, tar or tar.gz,
 * either unpack inside the private folder or are refused with a {@link PackageException}; nothing
 * else is thrown, nothing is written outside the folder, and the folder is gone after a refusal.
 * The build runs the seeds under {@code UnpackerFuzzTestInputs}; its {@code fuzz-unpack}
 * execution fuzzes for a bounded time.
 */
class UnpackerFuzzTest {
    private static final PackageLimits SMALL = new PackageLimits(64, 1 << 20, 1 << 20, 255, 8);

    @FuzzTest(maxDuration = "10s")
    void unpack(byte[] bytes) throws IOException {
        Path root = Files.createTempDirectory("airlock-unpack-fuzz");
        try {
            Path f = Files.write(root.resolve("artifact.bin"), bytes);
            Path out = root.resolve("out");
            try (ModelPackage p = PackageLoader.open(f, SMALL, out)) {
                if (!p.root().startsWith(out)) {
                    throw new IllegalStateException("package root outside the unpack folder: " + p.root());
                }
            } catch (PackageException e) {
                // the refusal a bad package gets
            }
            try (Stream<Path> s = Files.list(root)) {
                if (s.anyMatch(p -> !p.equals(f) && !p.equals(out))) {
                    throw new IllegalStateException("something was written outside the unpack folder");
                }
            }
        } finally {
            ModelPackage.deleteTree(root);
        }
    }
}
