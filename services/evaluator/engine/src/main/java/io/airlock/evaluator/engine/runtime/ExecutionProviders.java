package io.airlock.evaluator.engine.runtime;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.providers.OrtCUDAProviderOptions;

import java.nio.file.Path;

/**
 * Creates the session on the best provider that really works: CUDA is tried by adding it to the
 * session options and creating the session (what {@code getAvailableProviders()} lists says only
 * what the build contains, not whether this host's CUDA, cuDNN and driver load), then the CPU.
 * The outcome says which provider ran and, when it is not the GPU, the real reason.
 *
 * <p>Every session is plain: no custom operator library is ever registered (an operator from an
 * unknown domain fails the load rather than running native code the model brought), a bounded
 * number of intra-op threads, one inter-op thread, sequential execution.
 */
public final class ExecutionProviders {
    /** The GPU string of a report when the GPU ran the model. */
    public static final String GPU_USED = "used";

    private ExecutionProviders() {
    }

    /**
     * A created session and what it runs on.
     *
     * @param provider  {@code CUDA} or {@code CPU}
     * @param gpu       {@code used}, or {@code unavailable (reason)}
     * @param gpuDetail the runtime's own message when CUDA failed ("" otherwise)
     */
    public record Opened(OrtSession session, String provider, String gpu, String gpuDetail) implements AutoCloseable {
        @Override
        public void close() throws OrtException {
            session.close();
        }
    }

    /**
     * Opens {@code model}: CUDA first unless {@code forceCpu}, then the CPU.
     *
     * @param deviceMemoryBytes ONNX Runtime's own cap on the CUDA arena ({@code gpu_mem_limit}): on a GPU the
     *                          child's address space cannot be capped (CUDA maps far more than it uses), so the
     *                          device memory a model may take is bounded here instead
     * @throws OrtException when the CPU session cannot be created either: the model does not load
     */
    public static Opened open(OrtEnvironment env, Path model, boolean forceCpu, int cudaDevice, int threads,
                              long deviceMemoryBytes) throws OrtException {
        String why;
        String detail = "";
        if (forceCpu) {
            why = "CPU forced by the evaluator's forceCpu option";
        } else {
            OrtSession.SessionOptions cuda = options(threads);
            boolean added = false;
            try (OrtCUDAProviderOptions cudaOptions = new OrtCUDAProviderOptions(cudaDevice)) {
                cudaOptions.add("gpu_mem_limit", Long.toString(deviceMemoryBytes));
                cudaOptions.add("arena_extend_strategy", "kSameAsRequested");
                cuda.addCUDA(cudaOptions);
                added = true;
                OrtSession s = env.createSession(model.toString(), cuda);
                return new Opened(s, "CUDA", GPU_USED, "");
            } catch (OrtException | RuntimeException | LinkageError e) {
                detail = String.valueOf(e.getMessage());
                why = added ? "a CUDA session could not be created: " + firstLine(detail) : providerMissing(detail);
            } finally {
                cuda.close();
            }
        }
        try (OrtSession.SessionOptions cpu = options(threads)) {
            OrtSession s = env.createSession(model.toString(), cpu);
            return new Opened(s, "CPU", "unavailable (" + why + ")", detail);
        }
    }

    /** The honest GPU line when no session was tried at all (nothing runnable). */
    public static String notTried(String reason) {
        return "unavailable (" + reason + ")";
    }

    static OrtSession.SessionOptions options(int threads) throws OrtException {
        OrtSession.SessionOptions o = new OrtSession.SessionOptions();
        o.setIntraOpNumThreads(Math.max(1, threads));
        o.setInterOpNumThreads(1);
        o.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
        o.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
        return o;
    }

    /**
     * Why CUDA could not even be added. The provider list is consulted only to explain the failure
     * that trying produced: a CPU build never has it, a GPU build without CUDA 12/cuDNN 9 fails to load it.
     */
    private static String providerMissing(String message) {
        boolean inBuild;
        try {
            inBuild = OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA);
        } catch (RuntimeException | LinkageError e) {
            inBuild = false;
        }
        return inBuild ? "the CUDA provider failed to load: " + firstLine(message) : "CPU build of onnxruntime";
    }

    private static String firstLine(String s) {
        String t = s == null ? "" : s.strip();
        int nl = t.indexOf('\n');
        t = nl < 0 ? t : t.substring(0, nl);
        return t.length() > 300 ? t.substring(0, 300) + "..." : t;
    }
}
