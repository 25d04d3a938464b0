package io.airlock.scanner.engine.analysis;

import io.airlock.contracts.Kind;
import io.airlock.formats.Format;
import io.airlock.fixtures.PickleBuilder;
import io.airlock.scanner.engine.ScanEngine;
import io.airlock.scanner.engine.ScanOptions;
import io.airlock.scanner.engine.ScanReport;
import io.airlock.scanner.engine.StageListener;
import io.airlock.formats.ByteSource;
import io.airlock.formats.SafetensorsValidator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;
import java.util.Set;
import java.util.zip.CRC32;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Throughput figures, run by hand: {@code -Dairlock.bench=true -DargLine=-Xmx256m}. Prints MB/s of
 * the whole scan and of the static scan alone on generated artifacts; asserts only that they pass.
 */
class ThroughputBench {
    @TempDir
    Path dir;

    @Test
    void bench() throws Exception {
        assumeTrue(Boolean.getBoolean("airlock.bench"), "run with -Dairlock.bench=true");
        long mb = Long.getLong("airlock.bench.mb", 1024);
        ScanOptions permissive = new ScanOptions("", EnumSet.allOf(Format.class), Set.of(), Kind.MODEL,
                ScanOptions.DEFAULT_MAX_MODEL_BYTES);
        ScanEngine engine = new ScanEngine();
        // -Dairlock.bench.dir keeps the generated files there, to hash them with openssl in the same run
        Path dir = System.getProperty("airlock.bench.dir") != null ? Path.of(System.getProperty("airlock.bench.dir")) : this.dir;

        Path torch = torchZip(dir.resolve("big.pt"), mb);
        time("torch zip, whole scan", torch, () -> engine.scan(torch, permissive, StageListener.NONE));
        time("torch zip, static scan only", torch, () -> staticOnly(torch, Format.PYTORCH_ZIP));

        Path st = safetensors(dir.resolve("big.safetensors"), mb, 2000);
        time("safetensors, whole scan", st, () -> engine.scan(st, ScanOptions.defaults(Kind.MODEL), StageListener.NONE));

        Path header = safetensors(dir.resolve("header.safetensors"), 0, 250_000);
        time("safetensors 250k-tensor header, format gate validator", header, () -> {
            try (FileChannel ch = FileChannel.open(header, StandardOpenOption.READ)) {
                return SafetensorsValidator.validate(ByteSource.of(ch)).tensors().size();
            }
        });

        Path pkl = dir.resolve("big.pkl");
        Files.write(pkl, PickleBuilder.torchDataPkl(Integer.getInteger("airlock.bench.tensors", 80_000), 4));
        time("data.pkl, pickle machine", pkl, () -> staticOnly(pkl, Format.PICKLE));
    }

    interface Job {
        Object run() throws Exception;
    }

    static void time(String what, Path file, Job job) throws Exception {
        long size = Files.size(file);
        job.run(); // warm-up
        long t0 = System.nanoTime();
        Object r = job.run();
        double s = (System.nanoTime() - t0) / 1e9;
        if (r instanceof ScanReport rep) {
            assertThat(rep.verdict().name()).as(rep.stages().toString()).isEqualTo("PASS");
        }
        System.out.printf("BENCH %-55s %8.1f MB in %6.2f s = %7.1f MB/s (heap max %d MB)%n", what, size / 1e6, s,
                size / 1e6 / s, Runtime.getRuntime().maxMemory() >> 20);
    }

    Object staticOnly(Path f, Format format) throws IOException {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            StaticScan.Outcome o = new StaticScan(ImportTiers.builtin(), StaticScanPolicy.defaults()).scan(ByteSource.of(ch), format);
            assertThat(o.findings()).noneMatch(x -> x.severity().blocksByDefault());
            return o;
        }
    }

    /** A stored PyTorch archive: data.pkl naming 64 storages that share {@code mb} MB of pseudo-random floats. */
    static Path torchZip(Path p, long mb) throws IOException {
        int storages = 64;
        long each = mb * 1_000_000 / storages / 4 * 4;
        byte[] chunk = new byte[1 << 20];
        new java.util.Random(1).nextBytes(chunk);
        byte[] pkl = PickleBuilder.torchDataPkl(storages, 4);
        // storages sized like the pickle says (4 floats) would be tiny; the data members are made big on purpose
        // and data.pkl names only their keys, which is all the scanner checks
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(p), 1 << 20)) {
            java.util.List<long[]> central = new java.util.ArrayList<>();
            java.util.List<byte[]> names = new java.util.ArrayList<>();
            long pos = 0;
            for (int i = -1; i < storages; i++) {
                byte[] name = (i < 0 ? "archive/data.pkl" : "archive/data/" + i).getBytes(StandardCharsets.US_ASCII);
                long size = i < 0 ? pkl.length : each;
                CRC32 crc = new CRC32();
                if (i < 0) {
                    crc.update(pkl);
                } else {
                    for (long left = size; left > 0; left -= chunk.length) {
                        crc.update(chunk, 0, (int) Math.min(left, chunk.length));
                    }
                }
                boolean z64 = true;
                le(out, 0x04034b50, 4);
                le(out, 45, 2);
                le(out, 0, 2);
                le(out, 0, 2);
                le(out, 0, 4);
                le(out, crc.getValue(), 4);
                le(out, 0xffffffffL, 4);
                le(out, 0xffffffffL, 4);
                le(out, name.length, 2);
                le(out, 20, 2);
                out.write(name);
                le(out, 1, 2);
                le(out, 16, 2);
                le(out, size, 8);
                le(out, size, 8);
                if (i < 0) {
                    out.write(pkl);
                } else {
                    for (long left = size; left > 0; left -= chunk.length) {
                        out.write(chunk, 0, (int) Math.min(left, chunk.length));
                    }
                }
                central.add(new long[]{pos, crc.getValue(), size, z64 ? 1 : 0});
                names.add(name);
                pos += 30 + name.length + 20 + size;
            }
            long cdStart = pos;
            for (int i = 0; i < central.size(); i++) {
                long[] c = central.get(i);
                byte[] name = names.get(i);
                le(out, 0x02014b50, 4);
                le(out, 45, 2);
                le(out, 45, 2);
                le(out, 0, 2);
                le(out, 0, 2);
                le(out, 0, 4);
                le(out, c[1], 4);
                le(out, 0xffffffffL, 4);
                le(out, 0xffffffffL, 4);
                le(out, name.length, 2);
                le(out, 28, 2);
                le(out, 0, 2);
                le(out, 0, 2);
                le(out, 0, 2);
                le(out, 0, 4);
                le(out, 0xffffffffL, 4);
                out.write(name);
                le(out, 1, 2);
                le(out, 24, 2);
                le(out, c[2], 8);
                le(out, c[2], 8);
                le(out, c[0], 8);
                pos += 46 + name.length + 28;
            }
            long cdSize = pos - cdStart;
            le(out, 0x06064b50, 4);
            le(out, 44, 8);
            le(out, 45, 2);
            le(out, 45, 2);
            le(out, 0, 4);
            le(out, 0, 4);
            le(out, central.size(), 8);
            le(out, central.size(), 8);
            le(out, cdSize, 8);
            le(out, cdStart, 8);
            le(out, 0x07064b50, 4);
            le(out, 0, 4);
            le(out, pos, 8);
            le(out, 1, 4);
            le(out, 0x06054b50, 4);
            le(out, 0, 4);
            le(out, 0xffff, 2);
            le(out, 0xffff, 2);
            le(out, 0xffffffffL, 4);
            le(out, 0xffffffffL, 4);
            le(out, 0, 2);
        }
        return p;
    }

    /** A safetensors file of {@code tensors} U8 tensors sharing {@code mb} MB of data. */
    static Path safetensors(Path p, long mb, int tensors) throws IOException {
        long total = mb * 1_000_000 / tensors * tensors;
        long each = total / tensors;
        StringBuilder h = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        for (int i = 0; i < tensors; i++) {
            h.append(",\"model.layers.").append(i).append(".weight\":{\"dtype\":\"U8\",\"shape\":[").append(each)
                    .append("],\"data_offsets\":[").append(i * each).append(',').append((i + 1) * each).append("]}");
        }
        h.append('}');
        byte[] header = h.toString().getBytes(StandardCharsets.US_ASCII);
        byte[] chunk = new byte[1 << 20];
        new java.util.Random(2).nextBytes(chunk);
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(p), 1 << 20)) {
            le(out, header.length, 8);
            out.write(header);
            for (long left = total; left > 0; left -= chunk.length) {
                out.write(chunk, 0, (int) Math.min(left, chunk.length));
            }
        }
        return p;
    }

    static void le(OutputStream out, long v, int n) throws IOException {
        for (int i = 0; i < n; i++) {
            out.write((int) (v >>> (8 * i)));
        }
    }
}
