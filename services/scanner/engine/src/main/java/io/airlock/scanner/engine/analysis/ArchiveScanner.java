package io.airlock.scanner.engine.analysis;

import io.airlock.contracts.Severity;
import io.airlock.formats.Format;
import io.airlock.formats.ByteSource;
import io.airlock.formats.FormatViolation;
import io.airlock.formats.PickleMachine;
import io.airlock.formats.ZipArchive;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Applies the archive rules to one zip (see {@link ZipArchive} for the layout and header rules)
 * and looks at every member by its content: a pickle is analysed whatever its name (a pickle named
 * {@code data.txt} is still a pickle), nested archives and gzip bodies are opened within the depth
 * bound, and every member is read to its end so its CRC and sizes are checked.
 *
 * <p>PyTorch archives get their own rules: pickle members other than one {@code data.pkl} (and a
 * TorchScript {@code constants.pkl}) are {@code torch.extra_pickle} (HIGH); storages that data.pkl
 * names but the archive lacks are {@code torch.missing_storage} (MEDIUM); TorchScript code, compiled
 * when loaded, is {@code torch.torchscript_code} (MEDIUM). An archive with a {@code constants.pkl} in its
 * root folder is TorchScript: torch.load hands it to torch.jit.load, so its pickles (data.pkl,
 * constants.pkl and each {@code code/...py.debug_pkl} beside its source) are judged as that loader
 * resolves them ({@link PickleAnalyzer.Mode#TORCH_SCRIPT}). A pickle in an archive of another kind is
 * {@code zip.pickle_member} (MEDIUM) besides its own analysis.
 */
final class ArchiveScanner {
    private final StaticScan scan;
    private final StaticScan.Run run;

    ArchiveScanner(StaticScan scan, StaticScan.Run run) {
        this.scan = scan;
        this.run = run;
    }

    void scan(ByteSource src, String where, Format format, int depth) throws IOException {
        ZipArchive.Limits limits = scan.policy().zip();
        ZipArchive.Directory dir;
        run.count("archives", 1);
        try {
            dir = ZipArchive.read(src, limits);
        } catch (FormatViolation v) {
            run.out.add(v.rule(), Severity.HIGH, Findings.at(where, v.offset()), "archive cannot be read: " + v.getMessage(), "");
            return;
        }
        List<ZipArchive.Problem> problems = new ArrayList<>(dir.problems());
        boolean torch = format == Format.PYTORCH_ZIP;
        List<String> pickleMembers = new ArrayList<>();
        List<String> codeMembers = new ArrayList<>();
        String dataPklDir = null;
        Set<String> names = new HashSet<>();
        for (ZipArchive.Entry e : dir.entries()) {
            names.add(e.name());
        }
        boolean torchScript = torch && names.stream().anyMatch(ArchiveScanner::rootConstants);
        for (ZipArchive.Entry e : dir.entries()) {
            if (e.directory() || e.encrypted() || e.symlink()
                    || e.method() != 0 && e.method() != 8) {
                continue; // reported as problems; nothing readable to look at
            }
            if (e.size() > limits.maxEntryBytes()) {
                problems.add(new ZipArchive.Problem("zip.entry_size", "member is " + e.size() + " bytes uncompressed, over"
                        + " the bound of " + limits.maxEntryBytes() + "; it was not scanned", e.localOffset(), e.name()));
                continue;
            }
            run.archiveBytes += e.size();
            if (run.archiveBytes > limits.maxTotal()) {
                problems.add(new ZipArchive.Problem("zip.total_size", "members add up to more than " + limits.maxTotal()
                        + " uncompressed bytes; the rest were not scanned", e.localOffset(), e.name()));
                break;
            }
            run.count("members", 1);
            String member = (where.isEmpty() ? "member '" : where + " > '") + printable(e.name()) + "'";
            String base = ZipArchive.baseName(e.name());
            boolean byName = base.endsWith(".pkl") || base.endsWith(".pickle");
            boolean isDataPkl = base.equals("data.pkl");
            try (ZipArchive.MemberStream ms = ZipArchive.open(src, e, limits, problems)) {
                boolean jitPickle = torchScript && (isDataPkl || base.equals("constants.pkl") || debugPickle(e.name(), names));
                PickleAnalyzer.Mode mode = jitPickle ? PickleAnalyzer.Mode.TORCH_SCRIPT
                        : torch && (isDataPkl || base.equals("constants.pkl")) ? PickleAnalyzer.Mode.TORCH_ARCHIVE
                        : PickleAnalyzer.Mode.PLAIN;
                // a member can be opened again: a pickle whose FRAME lies is read a second time, as torch.load reads it
                PickleAnalyzer.Reopen again = () -> ZipArchive.open(src, e, limits, new ArrayList<>());
                StaticScan.Looked looked = scan.nested(run, ms, again, e.size(), member, depth, byName, mode);
                if (looked.pickle() != null) {
                    pickleMembers.add(e.name());
                    if (isDataPkl && torch && dataPklDir == null) {
                        dataPklDir = e.name().substring(0, e.name().length() - "data.pkl".length());
                        missingStorages(member, dataPklDir, looked.pickle().persistentIds(), names);
                    }
                }
                drain(ms);
            }
            if (base.endsWith(".py") && torch) {
                codeMembers.add(e.name());
            }
        }
        for (ZipArchive.Problem p : problems) {
            String loc = p.member().isEmpty() ? Findings.at(where, p.offset())
                    : (where.isEmpty() ? "member '" : where + " > '") + printable(p.member()) + "'";
            run.out.add(p.rule(), Severity.HIGH, loc, p.message(), "");
        }
        if (torch) {
            torchRules(where, pickleMembers, codeMembers, dataPklDir, names);
        } else {
            for (String p : pickleMembers) {
                run.out.add("zip.pickle_member", Severity.MEDIUM, (where.isEmpty() ? "member '" : where + " > '") + printable(p) + "'",
                        "a pickle inside a " + format.id() + " archive (not a PyTorch archive); analysed above", "");
            }
        }
    }

    /** data.pkl's storage references ('storage', type, key, location, numel) must name members under data/. */
    private void missingStorages(String member, String dir, List<PickleMachine.PersistentId> pids, Set<String> names) {
        for (PickleMachine.PersistentId p : pids) {
            if (p.parts().size() >= 3 && p.parts().get(0).equals("storage") && !names.contains(dir + "data/" + p.parts().get(2))) {
                run.out.add("torch.missing_storage", Severity.MEDIUM, Findings.at(member, p.offset()), "data.pkl names storage '"
                        + printable(p.parts().get(2)) + "', which the archive lacks", String.join(", ", p.parts()));
            }
        }
    }

    private void torchRules(String where, List<String> pickleMembers, List<String> codeMembers, String dataPklDir,
                            Set<String> names) {
        boolean torchScript = pickleMembers.stream().anyMatch(n -> ZipArchive.baseName(n).equals("constants.pkl"));
        boolean seenData = false;
        for (String p : pickleMembers) {
            String base = ZipArchive.baseName(p);
            boolean expected = base.equals("data.pkl") && !seenData || base.equals("constants.pkl") && torchScript
                    && (dataPklDir == null || p.equals(dataPklDir + "constants.pkl"))
                    || torchScript && debugPickle(p, names);
            if (base.equals("data.pkl")) {
                seenData = true;
            }
            if (!expected) {
                run.out.add("torch.extra_pickle", Severity.HIGH, (where.isEmpty() ? "member '" : where + " > '") + printable(p) + "'",
                        "a pickle member beyond the archive's data.pkl: torch.load reads only one, a scanner might read another",
                        "");
            }
        }
        if (!codeMembers.isEmpty()) {
            run.out.add("torch.torchscript_code", Severity.MEDIUM, where.isEmpty() ? "archive" : where,
                    codeMembers.size() + " TorchScript code member(s), compiled and run by torch.jit.load (TorchScript,"
                            + " not Python: it imports no module but may call any registered operator; not judged here)",
                    String.join(", ", codeMembers.subList(0, Math.min(5, codeMembers.size()))));
        }
    }

    /** {@code DIR/constants.pkl}: torch.load's test for a TorchScript archive (a record named constants.pkl). */
    private static boolean rootConstants(String name) {
        int slash = name.indexOf('/');
        return slash > 0 && name.substring(slash + 1).equals("constants.pkl");
    }

    /** A TorchScript debug-info pickle: {@code DIR/code/...py.debug_pkl} beside its {@code .py} source. */
    private static boolean debugPickle(String name, Set<String> names) {
        int slash = name.indexOf('/');
        return slash > 0 && name.startsWith("code/", slash + 1) && name.endsWith(".py.debug_pkl")
                && names.contains(name.substring(0, name.length() - ".debug_pkl".length()));
    }

    private static void drain(ZipArchive.MemberStream ms) throws IOException {
        byte[] buf = new byte[64 * 1024];
        while (ms.read(buf, 0, buf.length) > 0) {
            // read to the end: the CRC and the sizes are checked there
        }
    }

    private static String printable(String s) {
        byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return io.airlock.formats.Bytes.printable(b, 0, b.length, 120);
    }
}
