package io.airlock.scanner.engine.format;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Builds safetensors files from a header text (written as given, so it can lie) and a data length. */
final class SafetensorsBuilder {
    private SafetensorsBuilder() {
    }

    static byte[] file(String header, long dataBytes) {
        return file(header.getBytes(StandardCharsets.UTF_8), dataBytes);
    }

    static byte[] file(byte[] header, long dataBytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
        out.writeBytes(header);
        out.writeBytes(new byte[(int) dataBytes]);
        return out.toByteArray();
    }

    /** One tensor entry's JSON. */
    static String t(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + "," + end + "]}";
    }

    /** An honest file: two F32 tensors, metadata, space padding to 8 bytes. */
    static byte[] honest() {
        String h = "{\"__metadata__\":{\"format\":\"pt\"}," + t("a", "F32", "[2,2]", 0, 16) + "," + t("b", "BF16", "[3]", 16, 22) + "}";
        while ((h.length() + 8) % 8 != 0) {
            h += " ";
        }
        return file(h, 22);
    }
}
