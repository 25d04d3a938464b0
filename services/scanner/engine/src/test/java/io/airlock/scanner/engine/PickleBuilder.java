package io.airlock.scanner.engine;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes pickle streams opcode by opcode for the tests, the way a hostile author would: any
 * opcode in any order, lengths that may lie. Nothing built here is ever unpickled.
 */
public final class PickleBuilder {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    public static PickleBuilder p() {
        return new PickleBuilder();
    }

    public PickleBuilder op(int code) {
        out.write(code);
        return this;
    }

    public PickleBuilder raw(byte... b) {
        out.writeBytes(b);
        return this;
    }

    public PickleBuilder ascii(String s) {
        return raw(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    public PickleBuilder proto(int v) {
        return op(0x80).op(v);
    }

    /** FRAME with the length of {@code body}, then the body. */
    public PickleBuilder frame(PickleBuilder body) {
        byte[] b = body.bytes();
        return frame(b.length).raw(b);
    }

    /** FRAME with a length that may lie. */
    public PickleBuilder frame(long len) {
        op(0x95);
        return le(len, 8);
    }

    /** GLOBAL: module and name as newline-terminated lines. */
    public PickleBuilder global(String module, String name) {
        return op('c').utf8(module + "\n" + name + "\n");
    }

    public PickleBuilder inst(String module, String name) {
        return op('i').utf8(module + "\n" + name + "\n");
    }

    /** SHORT_BINUNICODE. */
    public PickleBuilder str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return op(0x8c).op(b.length).raw(b);
    }

    /** BINUNICODE. */
    public PickleBuilder binUnicode(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return op('X').le(b.length, 4).raw(b);
    }

    /** Protocol 0 STRING with the quoted text as written (escapes are the caller's). */
    public PickleBuilder string(String quoted) {
        return op('S').ascii(quoted + "\n");
    }

    /** Protocol 0 UNICODE (raw-unicode-escape text as written). */
    public PickleBuilder unicode(String text) {
        return op('V').ascii(text + "\n");
    }

    public PickleBuilder shortBinString(String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        return op('U').op(b.length).raw(b);
    }

    public PickleBuilder binString(String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        return op('T').le(b.length, 4).raw(b);
    }

    public PickleBuilder shortBinBytes(byte[] b) {
        return op('C').op(b.length).raw(b);
    }

    /** STACK_GLOBAL from two SHORT_BINUNICODE operands. */
    public PickleBuilder stackGlobal(String module, String name) {
        return str(module).str(name).op(0x93);
    }

    public PickleBuilder stackGlobal() {
        return op(0x93);
    }

    /** callable(*strings) via MARK ... TUPLE REDUCE, with a STACK_GLOBAL import. */
    public PickleBuilder call(String module, String name, String... args) {
        stackGlobal(module, name).op('(');
        for (String a : args) {
            str(a);
        }
        return op('t').op('R');
    }

    public PickleBuilder mark() {
        return op('(');
    }

    public PickleBuilder tuple() {
        return op('t');
    }

    public PickleBuilder tuple1() {
        return op(0x85);
    }

    public PickleBuilder emptyTuple() {
        return op(')');
    }

    public PickleBuilder emptyDict() {
        return op('}');
    }

    public PickleBuilder emptyList() {
        return op(']');
    }

    public PickleBuilder reduce() {
        return op('R');
    }

    public PickleBuilder build() {
        return op('b');
    }

    public PickleBuilder newobj() {
        return op(0x81);
    }

    public PickleBuilder pop() {
        return op('0');
    }

    public PickleBuilder popMark() {
        return op('1');
    }

    public PickleBuilder memoize() {
        return op(0x94);
    }

    /** BINPUT, or LONG_BINPUT once the key no longer fits a byte. */
    public PickleBuilder binput(int i) {
        return i < 256 ? op('q').op(i) : longBinput(i);
    }

    public PickleBuilder binget(int i) {
        return op('h').op(i);
    }

    public PickleBuilder longBinput(long i) {
        return op('r').le(i, 4);
    }

    public PickleBuilder longBinget(long i) {
        return op('j').le(i, 4);
    }

    public PickleBuilder put(long i) {
        return op('p').ascii(i + "\n");
    }

    public PickleBuilder get(long i) {
        return op('g').ascii(i + "\n");
    }

    public PickleBuilder int1(int v) {
        return op('K').op(v);
    }

    public PickleBuilder none() {
        return op('N');
    }

    public PickleBuilder setitem() {
        return op('s');
    }

    public PickleBuilder setitems() {
        return op('u');
    }

    public PickleBuilder binpersid() {
        return op('Q');
    }

    public PickleBuilder stop() {
        return op('.');
    }

    public PickleBuilder le(long v, int n) {
        for (int i = 0; i < n; i++) {
            out.write((int) (v >>> (8 * i)));
        }
        return this;
    }

    private PickleBuilder utf8(String s) {
        return raw(s.getBytes(StandardCharsets.UTF_8));
    }

    public int size() {
        return out.size();
    }

    public byte[] bytes() {
        return out.toByteArray();
    }

    // ---- whole pickles -----------------------------------------------------------------------------

    /** PROTO 4, FRAME, module.name(*args), STOP: the usual shape of a malicious __reduce__. */
    public static byte[] calling(String module, String name, String... args) {
        return p().proto(4).frame(p().call(module, name, args).stop()).bytes();
    }

    /** PROTO 2, GLOBAL module name, args tuple, REDUCE, STOP. */
    public static byte[] callingProto2(String module, String name, String... args) {
        PickleBuilder b = p().proto(2).global(module, name).mark();
        for (String a : args) {
            b.binUnicode(a);
        }
        return b.tuple().reduce().stop().bytes();
    }

    /**
     * What torch.save writes as data.pkl for an OrderedDict of F32 tensors named w0, w1... each
     * of {@code numel} elements: persistent storage ids and _rebuild_tensor_v2 calls, memoized.
     */
    public static byte[] torchDataPkl(int tensors, int numel) {
        PickleBuilder b = p().proto(2).global("collections", "OrderedDict").binput(0).emptyTuple().reduce().binput(1).mark();
        int memo = 2;
        for (int i = 0; i < tensors; i++) {
            b.binUnicode("w" + i).binput(memo++);
            b.global("torch._utils", "_rebuild_tensor_v2").binput(memo++);
            b.mark().mark().binUnicode("storage").binput(memo++);
            if (i == 0) {
                b.global("torch", "FloatStorage").binput(memo++);
            } else {
                b.binget(5);
            }
            b.binUnicode(Integer.toString(i)).binput(memo++).binUnicode("cpu").binput(memo++).int1(numel).tuple().binput(memo++)
                    .binpersid().int1(0).int1(numel).tuple1().binput(memo++).int1(1).tuple1().binput(memo++)
                    .op(0x89).global("collections", "OrderedDict").binput(memo++).emptyTuple().reduce().binput(memo++)
                    .tuple().binput(memo++).reduce().binput(memo++);
        }
        return b.setitems().emptyDict().binUnicode("_metadata").global("collections", "OrderedDict").emptyTuple().reduce()
                .setitem().build().stop().bytes();
    }
}
