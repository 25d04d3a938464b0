package io.airlock.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;

import java.io.PrintWriter;

/**
 * The {@code airlock} command. Local commands (scan, guard, eval) run the engines in-process and
 * need no server; remote commands are added to {@code subcommands} and take the
 * {@link RemoteOptions} mixin. Exit codes: see {@link ExitCodes}.
 */
@Command(name = "airlock", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Admission and quarantine for untrusted AI artifacts.",
        subcommands = {ScanCommand.class, GuardCommand.class, EvalCommand.class, CorpusCommand.class, AttestationCommand.class, SubmitCommand.class,
                RegistryCommands.ListCommand.class, RegistryCommands.ShowCommand.class, RegistryCommands.RescanCommand.class,
                RegistryCommands.ModelsCommand.class, RegistryCommands.AuditCommand.class, ConformanceCommand.class, TaskCommand.class,
                TokenCommand.class, QuotaCommand.class, HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:pass / allow", "1:reject / block (including malformed or truncated artifacts)",
                "2:tool error (unreadable path, bad arguments, internal failure)"})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine(new PrintWriter(System.out, true), new PrintWriter(System.err, true)).execute(args));
    }

    /** The configured command line, writing to the given streams; tests and embedders call this. */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        // picocli's default is 1 for an exception; here 1 means "rejected", so a crash must be 2
        cl.setExecutionExceptionHandler((e, line, parsed) -> {
            if (e instanceof RegistryCommands.ToolError) {
                line.getErr().println("airlock: " + e.getMessage());
                line.getErr().flush();
                return ExitCodes.TOOL_ERROR;
            }
            line.getErr().println("airlock: internal error: " + e);
            line.getErr().flush();
            return ExitCodes.TOOL_ERROR;
        });
        cl.setExitCodeExceptionMapper(e -> ExitCodes.TOOL_ERROR);
        return cl;
    }

    @Override
    public void run() {
        // "airlock" alone: show what it can do, as a usage error
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }

    /** The version from the jar manifest (absent when run from classes). */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[]{"airlock " + (v == null ? "(development build)" : v)};
        }
    }
}
