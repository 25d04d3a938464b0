package io.airlock.guard.engine;

import io.airlock.contracts.Finding;
import io.airlock.contracts.Kind;
import io.airlock.contracts.Severity;
import io.airlock.guard.engine.kernel.KernelAnalyzer;
import io.airlock.guard.engine.kernel.KernelRule;
import io.airlock.formats.Format;
import io.airlock.formats.FormatSniffer;
import io.airlock.scanner.engine.ScanEngine;
import io.airlock.formats.Sniff;
import io.airlock.formats.SniffLimits;
import io.airlock.formats.ByteSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The fast precheck in front of the queue: size limit, kind against content, claims (stated format
 * and file extension) against content. It reads a bounded head through the scanner engine's
 * {@link FormatSniffer} with the tighter {@link SniffLimits#precheck()} budgets, never the whole
 * file, and hashes nothing. Deep checks are the scanner's.
 *
 * <p>It does not block a format just for being denied by the scan policy (a pickle named
 * {@code .pkl} is honest and goes on to be rejected, with evidence, by the scanner): it blocks
 * submissions that lie about themselves or cannot be what their kind requires.
 * Thread-safe.
 */
public final class GuardEngine {
    /** Engine and rule-set version, with the sniffer's, since the sniffer decides the detected format. */
    /** What a kernel may be: Python, or C/C++/CUDA source for a {@code lang: cu} task. */
    static final java.util.Set<Format> KERNEL_FORMATS = java.util.EnumSet.of(Format.PYTHON_SOURCE, Format.NATIVE_SOURCE);

    public static final String VERSION = "airlock-guard-engine/0.2.0+" + ScanEngine.VERSION;
    public static final String STAGE = "precheck";

    private final GuardPolicy policy;

    public GuardEngine(GuardPolicy policy) {
        this.policy = Objects.requireNonNull(policy, "policy");
    }

    public GuardPolicy policy() {
        return policy;
    }

    /**
     * Prechecks one artifact.
     *
     * @throws UncheckedIOException when a file's bytes cannot be read: that is the guard being
     *                              unavailable, for the caller's fail-open/fail-closed policy, not a
     *                              verdict on the submission
     */
    public GuardResult check(GuardInput in) {
        long t0 = System.nanoTime();
        List<Finding> findings = new ArrayList<>();
        String where = in.filename();
        long actual;
        Sniff sniff;
        try {
            if (in.content() instanceof GuardInput.FileContent fc) {
                actual = Files.size(fc.file());
                sniff = FormatSniffer.sniff(fc.file(), SniffLimits.precheck());
            } else {
                byte[] bytes = ((GuardInput.InlineContent) in.content()).bytes();
                actual = bytes.length;
                sniff = FormatSniffer.sniff(ByteSource.of(bytes), SniffLimits.precheck());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("guard could not read the artifact: " + e.getMessage(), e);
        }
        Format f = sniff.format();

        if (in.size() != actual) {
            findings.add(high("guard.size_mismatch", where, "declared size " + in.size()
                    + " bytes differs from the " + actual + " bytes present", ""));
        }
        long size = Math.max(in.size(), actual);
        long limit = in.kind() == Kind.MODEL ? policy.maxModelBytes() : policy.maxKernelBytes();
        if (size > limit) {
            findings.add(high("guard.size_limit", where, in.kind().wire() + " of " + size
                    + " bytes is over the limit of " + limit, ""));
        }

        if (in.kind() == Kind.MODEL && f == Format.PYTHON_SOURCE) {
            findings.add(high("guard.kind_mismatch", where, "submitted as a model but the content is Python source",
                    sniff.evidence()));
        } else if (in.kind() == Kind.KERNEL && !KERNEL_FORMATS.contains(f)) {
            findings.add(high("guard.kind_mismatch", where, "submitted as a kernel but the content is "
                    + (f == Format.UNKNOWN ? "neither Python nor C/C++/CUDA source" : f.id()
                    + ", not Python or C/C++/CUDA source"), sniff.evidence()));
        }

        if (!in.claimedFormat().isEmpty()) {
            Optional<FormatClaims.Claim> claim = FormatClaims.fromClaimedFormat(in.claimedFormat());
            if (claim.isEmpty()) {
                findings.add(new Finding("guard.claim_unrecognized", Severity.LOW, STAGE, where,
                        "claimed format '" + in.claimedFormat() + "' names no known format; ignored", ""));
            }
            claim.ifPresent(c -> mismatch(c, f, sniff, where, findings));
        }
        FormatClaims.fromFilename(in.filename()).ifPresent(c -> mismatch(c, f, sniff, where, findings));

        if (in.kind() == Kind.KERNEL && KERNEL_FORMATS.contains(f) && size <= limit) {
            findings.addAll(kernelFindings(in, f, where));
        }
        if (in.kind() == Kind.MODEL && size <= limit && QuickModelScan.APPLIES.contains(f)) {
            findings.addAll(quickModelScan(in, f, where));
        }

        if (in.kind() == Kind.MODEL && f == Format.UNKNOWN) {
            findings.add(new Finding("guard.unknown_format", Severity.MEDIUM, STAGE, where,
                    "the content matches no known model format", sniff.evidence()));
        }

        List<Finding> outcome = policy.rules().apply(findings);
        boolean block = outcome.stream().anyMatch(x -> x.severity().blocksByDefault());
        return new GuardResult(block ? GuardVerdict.BLOCK : GuardVerdict.ALLOW, outcome, f.id(),
                (System.nanoTime() - t0) / 1000, VERSION);
    }

    /**
     * The exploit rules over the kernel's syntax tree. The source was sniffed as Python and is within
     * the kernel size limit, so it is read whole; bytes that are not UTF-8 cannot be Python source.
     */
    private static List<Finding> kernelFindings(GuardInput in, Format f, String where) {
        byte[] bytes;
        try {
            bytes = in.content() instanceof GuardInput.FileContent fc ? Files.readAllBytes(fc.file())
                    : ((GuardInput.InlineContent) in.content()).bytes();
        } catch (IOException e) {
            throw new UncheckedIOException("guard could not read the kernel: " + e.getMessage(), e);
        }
        String source;
        try {
            source = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return List.of(new Finding(KernelRule.UNPARSEABLE.id(), KernelRule.UNPARSEABLE.severity(), STAGE, where,
                    "the kernel is not UTF-8 text, so it is not source code", ""));
        }
        if (f == Format.NATIVE_SOURCE) {
            return KernelAnalyzer.analyzeNative(source, where.isEmpty() ? "kernel.cu" : where);
        }
        return KernelAnalyzer.analyze(source, where.isEmpty() ? "kernel.py" : where);
    }

    private static List<Finding> quickModelScan(GuardInput in, Format f, String where) {
        try {
            if (in.content() instanceof GuardInput.FileContent fc) {
                try (FileChannel ch = FileChannel.open(fc.file(), StandardOpenOption.READ)) {
                    return QuickModelScan.scan(ByteSource.of(ch), f, where);
                }
            }
            return QuickModelScan.scan(ByteSource.of(((GuardInput.InlineContent) in.content()).bytes()), f, where);
        } catch (IOException e) {
            throw new UncheckedIOException("guard could not read the model: " + e.getMessage(), e);
        }
    }

    private static void mismatch(FormatClaims.Claim claim, Format sniffed, Sniff sniff, String where,
                                 List<Finding> findings) {
        if (!claim.agreesWith(sniffed)) {
            // the disguise itself is the attack: a loader or a person trusting the name is misled
            findings.add(high("guard.format_mismatch", where, claim.source() + " disagrees with the content, which is "
                    + sniffed.id(), sniff.evidence()));
        }
    }

    private static Finding high(String rule, String where, String message, String evidence) {
        return new Finding(rule, Severity.HIGH, STAGE, where, message, evidence);
    }
}
