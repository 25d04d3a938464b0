package io.airlock.formats;

/**
 * Budgets for one sniff. The scanner uses {@link #defaults()}; the guard's precheck, which must
 * answer in milliseconds, uses the tighter {@link #precheck()}.
 *
 * @param headBytes           bytes read from the start of the file
 * @param maxDirectoryBytes   most bytes of a zip central directory read for member names
 * @param maxZipEntries       most zip member names read
 * @param maxProtoFields      most top-level protobuf fields walked for ONNX
 */
public record SniffLimits(int headBytes, long maxDirectoryBytes, int maxZipEntries, int maxProtoFields) {
    public SniffLimits {
        if (headBytes < 512 || maxDirectoryBytes < 0 || maxZipEntries < 1 || maxProtoFields < 1) {
            throw new IllegalArgumentException("sniff limits too small");
        }
    }

    public static SniffLimits defaults() {
        return new SniffLimits(64 * 1024, 16L * 1024 * 1024, 100_000, 100_000);
    }

    public static SniffLimits precheck() {
        return new SniffLimits(64 * 1024, 1024 * 1024, 4_096, 4_096);
    }
}
