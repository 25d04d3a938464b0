package io.airlock.guard.engine.kernel;

import io.airlock.contracts.Severity;

import java.util.Arrays;
import java.util.Optional;

/**
 * The kernel exploit rules: stable ids, default severities (HIGH and CRITICAL block) and what each
 * catches. Rules are data: a profile or rules file turns them on and off or changes their outcome
 * by these ids (an unknown id is an error). docs/GUARD-RULES.md explains each with an example.
 */
public enum KernelRule {
    UNPARSEABLE("guard.kernel.unparseable", Severity.HIGH,
            "the source does not parse as Python; what cannot be analyzed is not admitted"),
    TIMER_PATCH("guard.kernel.timer_patch", Severity.CRITICAL,
            "replaces a timing or synchronization function the benchmark measures with"),
    MODULE_PATCH("guard.kernel.module_patch", Severity.CRITICAL,
            "writes an attribute of an imported module (the harness and checks share those modules)"),
    HARNESS_PATCH("guard.kernel.harness_patch", Severity.CRITICAL,
            "rewrites the interpreter's module table, __main__, code objects or globals of other code"),
    INTROSPECTION("guard.kernel.introspection", Severity.HIGH,
            "walks frames, the garbage collector or function internals to reach the harness"),
    OUTPUT_CACHE("guard.kernel.output_cache", Severity.HIGH,
            "returns outputs remembered between calls (keyed by data_ptr, id, shape or a call count) instead of computing them"),
    REFERENCE_CALL("guard.kernel.reference_call", Severity.CRITICAL,
            "imports or calls the reference implementation or the harness's checker"),
    IDENTITY_OUTPUT("guard.kernel.identity_output", Severity.MEDIUM,
            "the entry point returns its input, or an empty tensor shaped like it, without computing anything (the right"
                    + " answer of an identity task: evidence for the behavioral test, which checks every output)"),
    ENV_BRANCH("guard.kernel.env_branch", Severity.HIGH,
            "branches on the environment (variables, argv, capture state), so it can behave differently when measured"),
    DEFERRED_WORK("guard.kernel.deferred_work", Severity.HIGH,
            "moves work out of the measured window (threads, processes, side streams never joined, tensor subclasses)"),
    FAKE_OUTPUT("guard.kernel.fake_output", Severity.HIGH,
            "prints or writes what looks like benchmark results"),
    EXIT_HOOK("guard.kernel.exit_hook", Severity.HIGH,
            "exits the process or registers exit or signal handlers the harness does not expect"),
    PACKAGE_INSTALL("guard.kernel.package_install", Severity.CRITICAL,
            "installs packages at run time"),
    SUBPROCESS("guard.kernel.subprocess", Severity.HIGH,
            "starts another program"),
    DYNAMIC_CODE("guard.kernel.dynamic_code", Severity.HIGH,
            "runs code built at run time (exec, eval, compile, code objects)"),
    OBFUSCATED_EXEC("guard.kernel.obfuscated_exec", Severity.CRITICAL,
            "runs code decoded at run time (base64, zlib, hex, marshal, pickle)"),
    DYNAMIC_IMPORT("guard.kernel.dynamic_import", Severity.HIGH,
            "imports a module, or fetches a sensitive module's attribute, by a name computed at run time"),
    CTYPES("guard.kernel.ctypes", Severity.HIGH,
            "loads native libraries or calls C functions directly through ctypes or cffi"),
    CUDA_RUNTIME_CTYPES("guard.kernel.cuda_runtime_ctypes", Severity.CRITICAL,
            "loads the CUDA runtime or driver library through ctypes or cffi, around PyTorch's own timing"),
    CUDA_PYTHON("guard.kernel.cuda_python", Severity.MEDIUM,
            "uses cuda-python or cuTile (cuda.bindings, cuda.core, cuda.tile): honest DSL kernels (CuTe DSL, cuTile)"
                    + " do; its event and synchronize calls are evidence for the behavioral test, whose clock they cannot reach"),
    NETWORK("guard.kernel.network", Severity.CRITICAL,
            "opens network connections"),
    NATIVE_INTERPOSE("guard.kernel.native_interpose", Severity.CRITICAL,
            "inline C/C++/CUDA that interposes library functions (dlsym, redefined CUDA runtime calls, also through macros)"),
    NATIVE_PROCESS("guard.kernel.native_process", Severity.CRITICAL,
            "inline C/C++/CUDA that starts programs or forks"),
    NATIVE_PYTHON("guard.kernel.native_python", Severity.CRITICAL,
            "inline C/C++/CUDA that runs Python code or rewrites Python objects through the C API"),
    NATIVE_NETWORK("guard.kernel.native_network", Severity.CRITICAL,
            "inline C/C++/CUDA that opens sockets"),
    NATIVE_CONSTRUCTOR("guard.kernel.native_constructor", Severity.HIGH,
            "inline C/C++/CUDA that runs code when the library loads (constructor attribute)"),
    NATIVE_UNSEEN("guard.kernel.native_unseen", Severity.HIGH,
            "native source that is not a literal in the submission (a file, or built at run time) cannot be inspected");

    private final String id;
    private final Severity severity;
    private final String explanation;

    KernelRule(String id, Severity severity, String explanation) {
        this.id = id;
        this.severity = severity;
        this.explanation = explanation;
    }

    public String id() {
        return id;
    }

    public Severity severity() {
        return severity;
    }

    public String explanation() {
        return explanation;
    }

    public static Optional<KernelRule> byId(String id) {
        return Arrays.stream(values()).filter(r -> r.id.equals(id)).findFirst();
    }
}
