package io.airlock.cli;

import io.airlock.evaluator.engine.corpus.Corpus;
import io.airlock.evaluator.engine.corpus.CorpusImport;
import io.airlock.evaluator.engine.corpus.CorpusReader;
import io.airlock.evaluator.engine.corpus.CorpusSignature;
import io.airlock.evaluator.engine.json.SpecException;
import io.airlock.signing.SigningException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code airlock corpus import|check}: external corpora, locally. */
@Command(name = "corpus", description = "Import and check external corpora.", mixinStandardHelpOptions = true,
        subcommands = {CorpusCommand.Import.class, CorpusCommand.Check.class})
final class CorpusCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required (import, check)");
    }

    /** Converts a public behavior list to corpus v1. */
    @Command(name = "import", mixinStandardHelpOptions = true,
            description = "Convert an AdvBench, HarmBench or JailbreakBench behavior list (CSV, a file or an https URL) "
                    + "to an Airlock corpus.",
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {"0:written", "2:unreadable or malformed input, or bad arguments"})
    static final class Import implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "CSV|URL", description = "a file, or an https:// URL (fetched once, "
                + "at most 16 MiB, by this command: the evaluator itself never reaches the network)")
        String source;

        @Option(names = "--from", required = true, paramLabel = "advbench|harmbench|jbb|jbb-benign",
                description = "the layout of the file")
        String from;

        @Option(names = "--name", required = true, description = "the corpus name (a-z, 0-9, . _ -)")
        String name;

        @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE", description = "where to write the corpus")
        Path output;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            CorpusImport.Layout layout = CorpusImport.Layout.fromWire(from).orElse(null);
            if (layout == null) {
                err.println("airlock: --from: '" + from + "' (advbench, harmbench, jbb, jbb-benign)");
                return ExitCodes.TOOL_ERROR;
            }
            byte[] bytes;
            String what;
            if (source.startsWith("https://") || source.startsWith("http://")) {
                if (source.startsWith("http://")) {
                    err.println("airlock: only https URLs are fetched (a corpus in transit must not be changeable)");
                    return ExitCodes.TOOL_ERROR;
                }
                try {
                    bytes = fetch(java.net.URI.create(source));
                } catch (IOException | IllegalArgumentException e) {
                    err.println("airlock: cannot fetch " + source + ": " + e.getMessage());
                    return ExitCodes.TOOL_ERROR;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return ExitCodes.TOOL_ERROR;
                }
                what = source;
            } else {
                Path csv = Path.of(source);
                if (!LocalFile.check(csv, err)) {
                    return ExitCodes.TOOL_ERROR;
                }
                if (Files.size(csv) > CorpusReader.MAX_BYTES) {
                    err.println("airlock: " + csv + " is over " + CorpusReader.MAX_BYTES + " bytes");
                    return ExitCodes.TOOL_ERROR;
                }
                bytes = Files.readAllBytes(csv);
                what = csv.getFileName().toString();
            }
            byte[] json;
            Corpus corpus;
            try {
                json = CorpusImport.convert(bytes, layout, name, what);
                corpus = CorpusReader.parse(json, "imported corpus");
            } catch (SpecException e) {
                err.println("airlock: " + e.getMessage());
                return ExitCodes.TOOL_ERROR;
            }
            // written whole or not at all: a half-written corpus must never be picked up
            Path tmp = Files.createTempFile(output.toAbsolutePath().getParent(), ".corpus", ".tmp");
            try {
                Files.write(tmp, json);
                Files.move(tmp, output, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
            out.printf("%s: %d cases, %s (from %s)%n", output, corpus.cases().size(), corpus.digest(), what);
            out.flush();
            return ExitCodes.PASS;
        }

        /** GET over https, following no redirect to another scheme, read to at most the corpus limit. */
        static byte[] fetch(java.net.URI uri) throws IOException, InterruptedException {
            java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
                    .followRedirects(java.net.http.HttpClient.Redirect.NORMAL)
                    .connectTimeout(java.time.Duration.ofSeconds(10)).build();
            java.net.http.HttpResponse<java.io.InputStream> r = http.send(java.net.http.HttpRequest.newBuilder(uri)
                    .timeout(java.time.Duration.ofSeconds(60)).GET().build(),
                    java.net.http.HttpResponse.BodyHandlers.ofInputStream());
            try (java.io.InputStream in = r.body()) {
                if (r.statusCode() != 200) {
                    throw new IOException("HTTP " + r.statusCode());
                }
                byte[] b = in.readNBytes((int) CorpusReader.MAX_BYTES + 1);
                if (b.length > CorpusReader.MAX_BYTES) {
                    throw new IOException("over " + CorpusReader.MAX_BYTES + " bytes");
                }
                return b;
            }
        }
    }

    /** Reads a corpus strictly and checks its signature. */
    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Read a corpus strictly, print its digest and check its detached signature.",
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {"0:valid (and, with --signature, verified by a trusted key)",
                    "1:invalid corpus, or a signature no trusted key verifies", "2:unreadable input or bad arguments"})
    static final class Check implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "FILE")
        Path file;

        @Option(names = "--signature", paramLabel = "SIG", description = "detached signature (base64 or raw)")
        Path signature;

        @Option(names = "--trusted-key", paramLabel = "PEM", description = "a trusted public key; repeatable")
        List<Path> keys = new ArrayList<>();

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            if (!LocalFile.check(file, err) || (signature != null && !LocalFile.check(signature, err))) {
                return ExitCodes.TOOL_ERROR;
            }
            Corpus corpus;
            try {
                corpus = CorpusReader.read(file);
            } catch (SpecException e) {
                err.println("airlock: " + e.getMessage());
                return ExitCodes.REJECT;
            }
            CorpusSignature.Result sig;
            try {
                sig = CorpusSignature.check(file, signature, CorpusSignature.keys(keys));
            } catch (SigningException e) {
                err.println("airlock: --trusted-key: " + e.getMessage());
                return ExitCodes.TOOL_ERROR;
            }
            out.printf("%s: %d cases, %s, signature: %s%n", corpus.name(), corpus.cases().size(), corpus.digest(),
                    sig.describe());
            out.flush();
            boolean bad = sig.status() == CorpusSignature.Status.INVALID
                    || (signature != null && sig.status() != CorpusSignature.Status.VERIFIED);
            return bad ? ExitCodes.REJECT : ExitCodes.PASS;
        }
    }
}
