package io.airlock.formats;

/**
 * The pickle opcode table (protocols 0 to 5) and a structural walk over an opcode stream: each
 * opcode known, each argument inside the bytes, the stack never popped below its current mark.
 * This tells a pickle from other bytes; it does not judge what the pickle would do (that is the
 * static scan's job) and it never executes anything.
 */
public final class PickleOps {

    /** How an opcode's argument is encoded. */
    enum Arg { NONE, U1, U2, U4, U8, LINE, TWO_LINES, LEN1, LEN4, LEN8 }

    /** One opcode: name, argument, stack effect. {@code toMark} pops back to the last MARK first. */
    record Op(String name, Arg arg, int pops, int pushes, boolean toMark, boolean mark) {
    }

    private static final Op[] TABLE = new Op[256];

    private static void op(int code, String name, Arg arg, int pops, int pushes) {
        TABLE[code] = new Op(name, arg, pops, pushes, false, false);
    }

    private static void toMark(int code, String name, Arg arg, int popsBelowMark, int pushes) {
        TABLE[code] = new Op(name, arg, popsBelowMark, pushes, true, false);
    }

    static {
        TABLE['('] = new Op("MARK", Arg.NONE, 0, 0, false, true);
        op('.', "STOP", Arg.NONE, 1, 0);
        op('0', "POP", Arg.NONE, 1, 0);
        toMark('1', "POP_MARK", Arg.NONE, 0, 0);
        op('2', "DUP", Arg.NONE, 1, 2);
        op('F', "FLOAT", Arg.LINE, 0, 1);
        op('I', "INT", Arg.LINE, 0, 1);
        op('J', "BININT", Arg.U4, 0, 1);
        op('K', "BININT1", Arg.U1, 0, 1);
        op('L', "LONG", Arg.LINE, 0, 1);
        op('M', "BININT2", Arg.U2, 0, 1);
        op('N', "NONE", Arg.NONE, 0, 1);
        op('P', "PERSID", Arg.LINE, 0, 1);
        op('Q', "BINPERSID", Arg.NONE, 1, 1);
        op('R', "REDUCE", Arg.NONE, 2, 1);
        op('S', "STRING", Arg.LINE, 0, 1);
        op('T', "BINSTRING", Arg.LEN4, 0, 1);
        op('U', "SHORT_BINSTRING", Arg.LEN1, 0, 1);
        op('V', "UNICODE", Arg.LINE, 0, 1);
        op('X', "BINUNICODE", Arg.LEN4, 0, 1);
        op('a', "APPEND", Arg.NONE, 2, 1);
        op('b', "BUILD", Arg.NONE, 2, 1);
        op('c', "GLOBAL", Arg.TWO_LINES, 0, 1);
        toMark('d', "DICT", Arg.NONE, 0, 1);
        op('}', "EMPTY_DICT", Arg.NONE, 0, 1);
        toMark('e', "APPENDS", Arg.NONE, 1, 1);
        op('g', "GET", Arg.LINE, 0, 1);
        op('h', "BINGET", Arg.U1, 0, 1);
        toMark('i', "INST", Arg.TWO_LINES, 0, 1);
        op('j', "LONG_BINGET", Arg.U4, 0, 1);
        toMark('l', "LIST", Arg.NONE, 0, 1);
        op(']', "EMPTY_LIST", Arg.NONE, 0, 1);
        toMark('o', "OBJ", Arg.NONE, 0, 1);
        op('p', "PUT", Arg.LINE, 1, 1);
        op('q', "BINPUT", Arg.U1, 1, 1);
        op('r', "LONG_BINPUT", Arg.U4, 1, 1);
        op('s', "SETITEM", Arg.NONE, 3, 1);
        toMark('t', "TUPLE", Arg.NONE, 0, 1);
        op(')', "EMPTY_TUPLE", Arg.NONE, 0, 1);
        toMark('u', "SETITEMS", Arg.NONE, 1, 1);
        op('G', "BINFLOAT", Arg.U8, 0, 1);
        op(0x80, "PROTO", Arg.U1, 0, 0);
        op(0x81, "NEWOBJ", Arg.NONE, 2, 1);
        op(0x82, "EXT1", Arg.U1, 0, 1);
        op(0x83, "EXT2", Arg.U2, 0, 1);
        op(0x84, "EXT4", Arg.U4, 0, 1);
        op(0x85, "TUPLE1", Arg.NONE, 1, 1);
        op(0x86, "TUPLE2", Arg.NONE, 2, 1);
        op(0x87, "TUPLE3", Arg.NONE, 3, 1);
        op(0x88, "NEWTRUE", Arg.NONE, 0, 1);
        op(0x89, "NEWFALSE", Arg.NONE, 0, 1);
        op(0x8a, "LONG1", Arg.LEN1, 0, 1);
        op(0x8b, "LONG4", Arg.LEN4, 0, 1);
        op('B', "BINBYTES", Arg.LEN4, 0, 1);
        op('C', "SHORT_BINBYTES", Arg.LEN1, 0, 1);
        op(0x8c, "SHORT_BINUNICODE", Arg.LEN1, 0, 1);
        op(0x8d, "BINUNICODE8", Arg.LEN8, 0, 1);
        op(0x8e, "BINBYTES8", Arg.LEN8, 0, 1);
        op(0x8f, "EMPTY_SET", Arg.NONE, 0, 1);
        toMark(0x90, "ADDITEMS", Arg.NONE, 1, 1);
        toMark(0x91, "FROZENSET", Arg.NONE, 0, 1);
        op(0x92, "NEWOBJ_EX", Arg.NONE, 3, 1);
        op(0x93, "STACK_GLOBAL", Arg.NONE, 2, 1);
        op(0x94, "MEMOIZE", Arg.NONE, 1, 1);
        op(0x95, "FRAME", Arg.U8, 0, 0);
        op(0x96, "BYTEARRAY8", Arg.LEN8, 0, 1);
        op(0x97, "NEXT_BUFFER", Arg.NONE, 0, 1);
        op(0x98, "READONLY_BUFFER", Arg.NONE, 1, 1);
    }

    /** How a walk ended. */
    public enum Outcome {
        /** Reached STOP with exactly one value on the stack and no open mark. */
        COMPLETE,
        /** Every opcode was well formed until the readable bytes ran out before STOP. */
        RAN_OUT,
        /** Not a pickle stream: unknown opcode, argument out of bounds or stack underflow. */
        INVALID
    }

    /**
     * The result of a walk.
     *
     * @param outcome  how it ended
     * @param opcodes  how many opcodes were read
     * @param end      offset just past the last opcode read (past STOP when complete)
     * @param protocol the PROTO argument, or -1 when the stream has none
     * @param calls    call-like opcodes (REDUCE, BUILD, INST, OBJ, NEWOBJ, NEWOBJ_EX) walked with a valid
     *                 stack: an unpickler has run them by the time it meets a later error
     * @param detail   why it was invalid, or a short summary
     */
    public record Walk(Outcome outcome, int opcodes, long end, int protocol, int calls, String detail) {
    }

    private PickleOps() {
    }

    /** The opcode's name, or empty for a byte that is no pickle opcode. */
    public static String name(int code) {
        Op o = TABLE[code & 0xff];
        return o == null ? "" : o.name();
    }

    /**
     * Walks the opcode stream that starts at {@code start} of {@code buf}, whose first
     * {@code readable} bytes are present out of an artifact of {@code size} bytes.
     *
     * @param maxOps stop (as RAN_OUT) after this many opcodes
     */
    public static Walk walk(byte[] buf, int start, long size, int maxOps) {
        int readable = buf.length;
        int pos = start;
        int depth = 0;
        int[] marks = new int[64];
        int markTop = 0;
        int protocol = -1;
        int count = 0;
        int calls = 0;
        while (true) {
            if (count >= maxOps) {
                return new Walk(Outcome.RAN_OUT, count, pos, protocol, calls, "stopped after " + maxOps + " opcodes");
            }
            if (pos >= readable) {
                if (pos >= size) {
                    return invalid(count, pos, protocol, calls, "stream ends without STOP");
                }
                return new Walk(Outcome.RAN_OUT, count, pos, protocol, calls, "readable bytes end before STOP");
            }
            int code = buf[pos] & 0xff;
            Op op = TABLE[code];
            if (op == null) {
                return invalid(count, pos, protocol, calls, String.format("byte 0x%02x is no pickle opcode", code));
            }
            int at = pos;
            pos++;
            long argLen = switch (op.arg()) {
                case NONE -> 0;
                case U1 -> 1;
                case U2 -> 2;
                case U4 -> 4;
                case U8 -> 8;
                case LINE, TWO_LINES -> -1;
                case LEN1 -> pos + 1 <= readable ? 1 + (buf[pos] & 0xff) : -2;
                case LEN4 -> pos + 4 <= readable ? 4 + Bytes.u32le(buf, pos) : -2;
                case LEN8 -> pos + 8 <= readable ? 8 + Bytes.u64le(buf, pos) : -2;
            };
            if (argLen == -2) {
                return ranOutOrInvalid(count, at, protocol, calls, size, readable);
            }
            if ((code == 'T' || code == 0x8b) && argLen - 4 > Integer.MAX_VALUE) {
                return invalid(count, at, protocol, calls, op.name() + " length is negative");
            }
            if (argLen == -1) {
                int lines = op.arg() == Arg.TWO_LINES ? 2 : 1;
                for (int l = 0; l < lines; l++) {
                    int nl = pos;
                    while (nl < readable && buf[nl] != '\n') {
                        nl++;
                    }
                    if (nl >= readable) {
                        return ranOutOrInvalid(count, at, protocol, calls, size, readable);
                    }
                    pos = nl + 1;
                }
            } else {
                // lengths are checked against what remains of the artifact before they are used
                if (argLen < 0 || argLen > size - pos) {
                    return invalid(count, at, protocol, calls, op.name() + " argument of " + argLen + " bytes runs past the end");
                }
                if (argLen > readable - pos) {
                    return new Walk(Outcome.RAN_OUT, count + 1, readable, protocol, calls, "readable bytes end inside " + op.name());
                }
                if (code == 0x80) {
                    protocol = buf[pos] & 0xff;
                    if (protocol > 5) {
                        return invalid(count, at, protocol, calls, "PROTO " + protocol + " is no known protocol");
                    }
                }
                pos += (int) argLen;
            }
            count++;
            if (op.mark()) {
                if (markTop == marks.length) {
                    return new Walk(Outcome.RAN_OUT, count, pos, protocol, calls, "marks nested deeper than " + marks.length);
                }
                marks[markTop++] = depth;
                continue;
            }
            int floor = markTop == 0 ? 0 : marks[markTop - 1];
            if (op.toMark()) {
                if (markTop == 0) {
                    return invalid(count, at, protocol, calls, op.name() + " without a MARK");
                }
                depth = marks[--markTop];
                floor = markTop == 0 ? 0 : marks[markTop - 1];
            }
            if (depth - floor < op.pops()) {
                return invalid(count, at, protocol, calls, op.name() + " pops an empty stack");
            }
            depth = depth - op.pops() + op.pushes();
            if (isCall(code)) {
                calls++;
            }
            if (code == '.') {
                if (depth != 0 || markTop != 0) {
                    return invalid(count, at, protocol, calls, "STOP leaves " + depth + " values and " + markTop + " marks");
                }
                return new Walk(Outcome.COMPLETE, count, pos, protocol, calls, count + " opcodes to STOP at offset " + at);
            }
        }
    }

    private static Walk ranOutOrInvalid(int count, int at, int protocol, int calls, long size, int readable) {
        if (readable >= size) {
            return invalid(count, at, protocol, calls, "argument cut off by the end of the stream");
        }
        return new Walk(Outcome.RAN_OUT, count, at, protocol, calls, "readable bytes end inside an argument");
    }

    private static Walk invalid(int count, long at, int protocol, int calls, String why) {
        return new Walk(Outcome.INVALID, count, at, protocol, calls, why + " at offset " + at);
    }

    private static boolean isCall(int code) {
        return code == 'R' || code == 'b' || code == 'i' || code == 'o' || code == 0x81 || code == 0x92;
    }
}
