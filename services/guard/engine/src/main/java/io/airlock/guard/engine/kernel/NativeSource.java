package io.airlock.guard.engine.kernel;


import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
        String code = expandMacros(stripComments(source));
        String[] lines = source.split("\n", -1);
        List<Hit> hits = new ArrayList<>();
        find(code, lines, INTERPOSE, KernelRule.NATIVE_INTERPOSE, "looks up or loads symbols at run time", hits);
        find(code, lines, REDEFINED, KernelRule.NATIVE_INTERPOSE, "defines a function the timing depends on", hits);
        find(code, lines, PROCESS, KernelRule.NATIVE_PROCESS, "starts a program", hits);
        find(code, lines, PYTHON, KernelRule.NATIVE_PYTHON, "uses the Python C API to run or rewrite Python", hits);
        find(code, lines, NETWORK, KernelRule.NATIVE_NETWORK, "opens a network connection", hits);
        find(code, lines, CONSTRUCTOR, KernelRule.NATIVE_CONSTRUCTOR, "runs code when the library is loaded", hits);
        return hits;
    }

    private static void find(String code, String[] lines, Pattern p, KernelRule rule, String why, List<Hit> hits) {
        Matcher m = p.matcher(code);
        int line = 1;
        int counted = 0;
        while (m.find()) {
            // matches come in order: count newlines only since the previous one
            for (; counted < m.start(); counted++) {
                if (code.charAt(counted) == '\n') {
                    line++;
                }
            }
            String text = line - 1 < lines.length ? lines[line - 1].strip() : m.group();
            hits.add(new Hit(rule, line, text, why + " (" + m.group(1 <= m.groupCount() && m.group(1) != null ? 1 : 0)
                    .strip() + ")"));
        }
    }

    private static final Pattern DEFINE = Pattern.compile(
            "(?m)^[ \\t]*#[ \\t]*define[ \\t]+([A-Za-z_]\\w*)(\\(([^()\\n]*)\\))?[ \\t]*([^\\n]*)$");
    private static final Pattern PASTE = Pattern.compile("\\s*##\\s*");
    private static final int MAX_MACROS = 512;
    private static final int MAX_PASSES = 3;

    private record Macro(List<String> params, String body) {
        boolean functionLike() {
            return params != null;
        }
    }

    /**
     * A small preprocessor: object-like macros and function-like ones (parameters substituted, {@code ##}
     * pasted) are expanded a few levels deep, so a name assembled from pieces
     * ({@code CAT(cudaEvent, ElapsedTime)}) or hidden behind a macro is seen whole. Lines are kept
     * (an invocation over several lines keeps its newlines), so hits keep their line numbers. Bounded:
     * macro count, passes and the expanded size.
     */
    static String expandMacros(String code) {
        String joined = code.replace("\\\n", "  ");
        Map<String, Macro> macros = new HashMap<>();
        Matcher d = DEFINE.matcher(joined);
        while (d.find() && macros.size() < MAX_MACROS) {
            List<String> params = null;
            if (d.group(2) != null) {
                params = new ArrayList<>();
                for (String p : d.group(3).split(",")) {
                    if (!p.isBlank()) {
                        params.add(p.strip());
                    }
                }
            }
            macros.put(d.group(1), new Macro(params, d.group(4).strip()));
        }
        if (macros.isEmpty()) {
            return code;
        }
        String out = code;
        long limit = Math.max(4L * code.length(), 65_536L);
        for (int pass = 0; pass < MAX_PASSES; pass++) {
            String next = expandOnce(out, macros, limit);
            if (next == null || next.equals(out)) {
                break;
            }
            out = next;
        }
        return out;
    }

    /** One expansion pass; null when it would grow past {@code limit}. */
    private static String expandOnce(String code, Map<String, Macro> macros, long limit) {
        StringBuilder out = new StringBuilder(code.length());
        int i = 0;
        int n = code.length();
        while (i < n) {
            if (out.length() > limit) {
                return null;
            }
            char c = code.charAt(i);
            if (c == '"' || c == '\'') {
                int j = i + 1;
                while (j < n && code.charAt(j) != c && code.charAt(j) != '\n') {
                    j += code.charAt(j) == '\\' ? 2 : 1;
                }
                j = Math.min(j + 1, n);
                out.append(code, i, j);
                i = j;
                continue;
            }
            if (c == '#') {
                // a directive line is kept as written: its body is matched as it is too
                int end = code.indexOf('\n', i);
                end = end < 0 ? n : end;
                out.append(code, i, end);
                i = end;
                continue;
            }
            if (!Character.isJavaIdentifierStart(c) || (i > 0 && Character.isJavaIdentifierPart(code.charAt(i - 1)))) {
                out.append(c);
                i++;
                continue;
            }
            int j = i;
            while (j < n && Character.isJavaIdentifierPart(code.charAt(j))) {
                j++;
            }
            String word = code.substring(i, j);
            Macro m = macros.get(word);
            if (m == null) {
                out.append(word);
                i = j;
            } else if (!m.functionLike()) {
                out.append(PASTE.matcher(m.body()).replaceAll(""));
                i = j;
            } else {
                int k = j;
                while (k < n && (code.charAt(k) == ' ' || code.charAt(k) == '\t')) {
                    k++;
                }
                List<String> args = k < n && code.charAt(k) == '(' ? arguments(code, k) : null;
                if (args == null) {
                    out.append(word);
                    i = j;
                    continue;
                }
                int close = Integer.parseInt(args.remove(args.size() - 1));
                String body = m.body();
                for (int p = 0; p < m.params().size() && p < args.size(); p++) {
                    body = body.replaceAll("\\b" + Pattern.quote(m.params().get(p)) + "\\b",
                            Matcher.quoteReplacement(args.get(p).strip().replace('\n', ' ')));
                }
                out.append(PASTE.matcher(body).replaceAll(""));
                for (int q = i; q <= close; q++) {
                    if (code.charAt(q) == '\n') {
                        out.append('\n');
                    }
                }
                i = close + 1;
            }
        }
        return out.toString();
    }

    /** The arguments of an invocation whose '(' is at {@code open}, then the index of its ')' (last); null if unclosed. */
    private static List<String> arguments(String code, int open) {
        List<String> args = new ArrayList<>();
        int depth = 0;
        int start = open + 1;
        for (int i = open; i < code.length() && i - open < 16_384; i++) {
            char c = code.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
                if (depth == 0) {
                    args.add(code.substring(start, i));
                    args.add(Integer.toString(i));
                    return args;
                }
            } else if (c == ',' && depth == 1) {
                args.add(code.substring(start, i));
                start = i + 1;
            }
        }
        return null;
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
