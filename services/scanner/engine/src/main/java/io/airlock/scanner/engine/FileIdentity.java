package io.airlock.scanner.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * What identifies a file's content without reading it: size, modification time, inode and (on
 * Unix) the change time, which every write, truncate or rename-over updates and only root can set
 * back. The engine reads the whole file once (the hash); parsers then re-read headers and samples.
 * Comparing this identity before the hash and after every stage is what ties the parsed bytes to the
 * hashed ones without a second full read.
 */
record FileIdentity(long size, long modifiedNanos, Object fileKey, Object changeTime) {

    static FileIdentity of(Path file) throws IOException {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        Object ctime;
        try {
            ctime = Files.getAttribute(file, "unix:ctime");
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            ctime = null; // not a Unix file system: size, mtime and file key remain
        }
        return new FileIdentity(a.size(), a.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS),
                a.fileKey(), ctime);
    }
}
