package io.airlock.evaluator.engine.pkg;

/**
 * Bounds on unpacking a model package archive. Sizes count the bytes really written, not what
 * the archive declares, so a lying header cannot get past them.
 *
 * @param maxEntries      members in the archive, directories included
 * @param maxTotalBytes   bytes written for all members together
 * @param maxEntryBytes   bytes written for one member
 * @param maxNameLength   characters of a member's path
 * @param maxDepth        path segments of a member's path
 */
public record PackageLimits(int maxEntries, long maxTotalBytes, long maxEntryBytes, int maxNameLength, int maxDepth) {
    public PackageLimits {
        if (maxEntries < 1 || maxTotalBytes < 1 || maxEntryBytes < 1 || maxNameLength < 1 || maxDepth < 1) {
            throw new IllegalArgumentException("package limits must be positive");
        }
    }

    /** 1,000 members, 16 GiB in all, 16 GiB per member, 255-character names, 8 levels. */
    public static PackageLimits defaults() {
        return new PackageLimits(1000, 16L << 30, 16L << 30, 255, 8);
    }
}
