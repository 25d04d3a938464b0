package io.airlock.guard.engine.kernel;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads inline C/C++/CUDA source (the strings handed to load_inline or cupy) for what a kernel
 * never needs: interposing library functions, starting programs, driving the Python interpreter,
 * sockets, load-time constructors. Comments are removed first, so an exploit only described in a
 * comment is not one; string literals are kept, since a library name passed to dlopen is evidence.
 */
final class NativeSource {
    record Hit(KernelRule rule, int line, String text, String why) {
    }

    private static final Pattern INTERPOSE = Pattern.compile("\\b(dlsym|dlvsym|dlopen|RTLD_NEXT|__libc_dlsym)\\b");
    /** A definition (not a call) of a CUDA runtime or driver function that timing depends on. */
    private static final Pattern REDEFINED = Pattern.compile("\\b(cudaEventElapsedTime|cudaEventRecord|cudaEventSynchronize"
            + "|cudaEventQuery|cudaDeviceSynchronize|cudaStreamSynchronize|cudaStreamWaitEvent|cuEventElapsedTime"
            + "|cuEventRecord|cuEventSynchronize|cuCtxSynchronize|cuStreamSynchronize|cudaLaunchKernel|cuLaunchKernel"
            + "|clock_gettime|gettimeofday)\\s*\\([^;{}()]*\\)\\s*(?:noexcept\\s*)?\\{");
    private static final Pattern PROCESS = Pattern.compile("\\b(system|popen|execve|execvp|execv|execl|execlp|fork|vfork"
            + "|posix_spawn|posix_spawnp)\\s*\\(");
    private static final Pattern PYTHON = Pattern.compile("\\b(PyRun_\\w+|Py_CompileString\\w*|PyEval_EvalCode\\w*"
            + "|PyImport_\\w+|PyObject_SetAttr\\w*|PySys_SetObject|PyEval_GetFrame|PyEval_GetGlobals|PyDict_SetItem\\w*"
            + "|PyObject_GenericSetAttr)\\b");
    private static final Pattern NETWORK = Pattern.compile("\\b(socket|connect|getaddrinfo|gethostbyname|curl_easy_\\w+)\\s*\\(");
    private static final Pattern CONSTRUCTOR = Pattern.compile("__attribute__\\s*\\(\\(\\s*constructor|#\\s*pragma\\s+init"
            + "|\\.init_array");

    private NativeSource() {
    }

    static List<Hit> scan(String source) {
        String code = stripComments(source);
        List<Hit> hits = new ArrayList<>();
        find(code, source, INTERPOSE, KernelRule.NATIVE_INTERPOSE, "looks up or loads symbols at run time", hits);
        find(code, source, REDEFINED, KernelRule.NATIVE_INTERPOSE, "defines a function the timing depends on", hits);
        find(code, source, PROCESS, KernelRule.NATIVE_PROCESS, "starts a program", hits);
        find(code, source, PYTHON, KernelRule.NATIVE_PYTHON, "uses the Python C API to run or rewrite Python", hits);
        find(code, source, NETWORK, KernelRule.NATIVE_NETWORK, "opens a network connection", hits);
        find(code, source, CONSTRUCTOR, KernelRule.NATIVE_CONSTRUCTOR, "runs code when the library is loaded", hits);
        return hits;
    }

    private static void find(String code, String original, Pattern p, KernelRule rule, String why, List<Hit> hits) {
        Matcher m = p.matcher(code);
        while (m.find()) {
            int line = 1;
            for (int i = 0; i < m.start(); i++) {
                if (code.charAt(i) == '\n') {
                    line++;
                }
            }
            String[] lines = original.split("\n", -1);
            String text = line - 1 < lines.length ? lines[line - 1].strip() : m.group();
            hits.add(new Hit(rule, line, text, why + " (" + m.group(1 <= m.groupCount() && m.group(1) != null ? 1 : 0)
                    .strip() + ")"));
        }
    }

    /** Comments become spaces (newlines kept, so line numbers hold); string and char literals stay. */
    static String stripComments(String s) {
        StringBuilder out = new StringBuilder(s.length());
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '"' || c == '\'') {
                int j = i + 1;
                while (j < s.length() && s.charAt(j) != c && s.charAt(j) != '\n') {
                    j += s.charAt(j) == '\\' ? 2 : 1;
                }
                j = Math.min(j + 1, s.length());
                out.append(s, i, j);
                i = j;
            } else if (c == '/' && i + 1 < s.length() && s.charAt(i + 1) == '/') {
                while (i < s.length() && s.charAt(i) != '\n') {
                    out.append(' ');
                    i++;
                }
            } else if (c == '/' && i + 1 < s.length() && s.charAt(i + 1) == '*') {
                int end = s.indexOf("*/", i + 2);
                end = end < 0 ? s.length() : end + 2;
                for (int k = i; k < end; k++) {
                    out.append(s.charAt(k) == '\n' ? '\n' : ' ');
                }
                i = end;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }
}
