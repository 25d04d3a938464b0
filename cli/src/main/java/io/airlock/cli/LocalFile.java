package io.airlock.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/** The artifact argument of the local commands: it must be a readable regular file. */
final class LocalFile {
    private LocalFile() {
    }

    /** Returns true when usable; otherwise says why on {@code err}, which the caller turns into exit 2. */
    static boolean check(Path file, PrintWriter err) {
        if (!Files.exists(file)) {
            err.println("airlock: no such file: " + file);
            return false;
        }
        if (!Files.isRegularFile(file)) {
            err.println("airlock: not a regular file: " + file);
            return false;
        }
        if (!Files.isReadable(file)) {
            err.println("airlock: cannot read: " + file);
            return false;
        }
        return true;
    }
}
