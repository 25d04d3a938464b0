package io.airlock.scanner.engine;

import io.airlock.fixtures.PickleBuilder;

import static io.airlock.fixtures.PickleBuilder.p;

/**
 * Pickles built opcode by opcode whose meaning depends on the loader: FRAME lengths that lie
 * (CPython's C unpickler only checks that a frame's bytes exist and reads on; pickle._Unpickler,
 * used by joblib and dill, stops), and calls hidden through the memo. The payload is always
 * {@code os.system('id')}; nothing built here is ever unpickled.
 */
public final class FrameTricks {
    private FrameTricks() {
    }

    /** os.system('id'): GLOBAL, argument, TUPLE1, REDUCE (no PROTO, no STOP). */
    static PickleBuilder payload() {
        return p().global("os", "system").binUnicode("id").op(0x85).reduce();
    }

    /** A FRAME that ends inside the GLOBAL's name line: the call lies across the boundary. */
    public static byte[] acrossBoundary() {
        return p().proto(4).frame(5).raw(payload().bytes()).stop().bytes();
    }

    /** A FRAME holding a second FRAME that holds the payload (pickle._Unpickler refuses the nested FRAME). */
    public static byte[] nested() {
        byte[] body = payload().stop().bytes();
        return p().proto(4).frame(9L + body.length).frame(body.length).raw(body).bytes();
    }

    /** STOP early in a FRAME whose rest is a second stream with the payload. */
    public static byte[] afterEarlyStop() {
        byte[] second = payload().stop().bytes();
        return p().proto(4).frame(2L + second.length).none().stop().raw(second).bytes();
    }

    /**
     * A payload only the C unpickler over an io.BytesIO runs (torch.load reads data.pkl so): a FRAME
     * ends inside a BINUNICODE's length. Read contiguously, the length covers the payload, which is
     * string data, then STOP; read over an io.BytesIO, the length is read afresh after the frame (0),
     * and the payload's bytes are opcodes: os.system('id'), then STOP. All of it is ASCII, so the
     * contiguous string is valid UTF-8.
     */
    public static byte[] bytesIoOnly() {
        byte[] payload = p().global("os", "system").mark().binUnicode("id").tuple().reduce().bytes();
        int contiguousLength = 2 + payload.length; // two zero bytes, then the payload
        return p().proto(4).frame(3).op('X').op(contiguousLength & 0xff).op(contiguousLength >> 8)
                .raw(new byte[4]).raw(payload).stop().bytes();
    }

    /** numpy.core._ufunc_reconstruct('numpy', 'add') memoized, then BINGET and called with ('os', 'system'). */
    public static byte[] resolverFromMemo() {
        return p().proto(2).global("numpy.core", "_ufunc_reconstruct").binput(0).binUnicode("numpy").binUnicode("add")
                .op(0x86).reduce().op('0').binget(0).binUnicode("os").binUnicode("system").op(0x86).reduce().stop().bytes();
    }

    /** torch._utils._rebuild_tensor_v2 whose backward_hooks is an OrderedDict holding a function. */
    public static byte[] tensorWithHook() {
        return p().proto(2).global("torch._utils", "_rebuild_tensor_v2").mark().none().int1(0).emptyTuple().emptyTuple()
                .op(0x89).global("collections", "OrderedDict").mark().int1(0).global("builtins", "print").op(0x86)
                .op('l').tuple1().reduce().tuple().reduce().stop().bytes();
    }
}
