package io.airlock.scanner.engine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/** Artifacts built byte by byte for tests; nothing here is loaded or executed. */
final class Samples {
    private Samples() {
    }

    static byte[] gguf() {
        ByteBuffer b = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        b.put("GGUF".getBytes(StandardCharsets.US_ASCII)).putInt(3).putLong(0).putLong(0);
        return b.array();
    }

    static byte[] safetensors() {
        byte[] header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}".getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + 4).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header).putFloat(1f);
        return b.array();
    }

    /** A minimal ModelProto: ir_version 8, opset_import {version 13}, an empty graph. */
    static byte[] onnx() {
        return new byte[]{0x08, 0x08, 0x42, 0x02, 0x10, 0x0d, 0x3a, 0x00};
    }

    /** protocol 2 pickle of the int 1. */
    static byte[] pickle() {
        return new byte[]{(byte) 0x80, 0x02, 'K', 0x01, '.'};
    }

    /** protocol 0 pickle: GLOBAL os system, then STOP. */
    static byte[] pickleProtocol0() {
        return "cos\nsystem\n(S'echo'\ntR.".getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] npy() {
        return "\u0093NUMPY\u0001\u0000v\u0000{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }"
                .getBytes(StandardCharsets.ISO_8859_1);
    }

    static byte[] python() {
        return "import torch\n\ndef custom_kernel(data):\n    return data\n".getBytes(StandardCharsets.UTF_8);
    }

    /** A stored (uncompressed) zip with the given member names, each holding 'x'. */
    static byte[] zip(String... names) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream cd = new ByteArrayOutputStream();
        CRC32 crc = new CRC32();
        crc.update('x');
        for (String name : names) {
            byte[] n = name.getBytes(StandardCharsets.UTF_8);
            int offset = out.size();
            ByteBuffer lh = ByteBuffer.allocate(30).order(ByteOrder.LITTLE_ENDIAN);
            lh.putInt(0x04034b50).putShort((short) 20).putShort((short) 0).putShort((short) 0).putInt(0)
                    .putInt((int) crc.getValue()).putInt(1).putInt(1).putShort((short) n.length).putShort((short) 0);
            out.write(lh.array());
            out.write(n);
            out.write('x');
            ByteBuffer ch = ByteBuffer.allocate(46).order(ByteOrder.LITTLE_ENDIAN);
            ch.putInt(0x02014b50).putShort((short) 20).putShort((short) 20).putShort((short) 0).putShort((short) 0)
                    .putInt(0).putInt((int) crc.getValue()).putInt(1).putInt(1).putShort((short) n.length)
                    .putShort((short) 0).putShort((short) 0).putShort((short) 0).putShort((short) 0).putInt(0)
                    .putInt(offset);
            cd.write(ch.array());
            cd.write(n);
        }
        int cdOffset = out.size();
        out.write(cd.toByteArray());
        ByteBuffer eocd = ByteBuffer.allocate(22).order(ByteOrder.LITTLE_ENDIAN);
        eocd.putInt(0x06054b50).putShort((short) 0).putShort((short) 0).putShort((short) names.length)
                .putShort((short) names.length).putInt(cd.size()).putInt(cdOffset).putShort((short) 0);
        out.write(eocd.array());
        return out.toByteArray();
    }
}
