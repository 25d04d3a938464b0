package io.airlock.scanner.engine.format;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Parts of a model split by llama.cpp's gguf-split, built byte by byte: every part carries
 * split.no (UINT16, 0-based), split.count (UINT16) and split.tensors.count (INT32, all parts
 * together); the first part also the model's metadata. One small F32 tensor per name.
 */
public final class GgufSplitFixtures {
    static final int UINT16 = 2;
    static final int UINT32 = 4;
    static final int INT32 = 5;

    private GgufSplitFixtures() {
    }

    /** A part as gguf-split writes it. */
    public static byte[] part(long no, long count, long tensorsTotal, String... tensors) {
        return builder(no, tensors).raw("split.no", UINT16, u16(no)).raw("split.count", UINT16, u16(count))
                .raw("split.tensors.count", INT32, le32(tensorsTotal)).bytes();
    }

    /** A part whose split.no is a UINT32, which llama.cpp refuses to read as the UINT16 it expects. */
    public static byte[] partWithWideNo(long no, long count, long tensorsTotal, String... tensors) {
        return builder(no, tensors).raw("split.no", UINT32, le32(no)).raw("split.count", UINT16, u16(count))
                .raw("split.tensors.count", INT32, le32(tensorsTotal)).bytes();
    }

    /** A part without any split key, as older splits were. */
    public static byte[] partWithoutKeys(long no, String... tensors) {
        return builder(no, tensors).bytes();
    }

    /** An honest three-part model as a folder: llama/llama-7b-0000i-of-00003.gguf, 2 + 2 + 1 tensors. */
    public static Map<String, byte[]> folder() {
        Map<String, byte[]> f = new LinkedHashMap<>();
        f.put(name(1), part(0, 3, 5, "token_embd.weight", "blk.0.attn_q.weight"));
        f.put(name(2), part(1, 3, 5, "blk.0.attn_k.weight", "blk.0.attn_v.weight"));
        f.put(name(3), part(2, 3, 5, "output.weight"));
        return f;
    }

    public static String name(int i) {
        return "llama/llama-7b-0000" + i + "-of-00003.gguf";
    }

    private static GgufBuilder builder(long no, String... tensors) {
        GgufBuilder b = new GgufBuilder();
        if (no == 0) {
            b.string("general.architecture", "llama").u32("llama.block_count", 1);
        }
        for (String t : tensors) {
            b.f32(t, 8);
        }
        return b;
    }

    private static byte[] u16(long v) {
        return new byte[]{(byte) v, (byte) (v >>> 8)};
    }

    private static byte[] le32(long v) {
        return new byte[]{(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)};
    }
}
