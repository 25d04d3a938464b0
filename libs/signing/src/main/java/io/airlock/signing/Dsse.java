package io.airlock.signing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A DSSE envelope: {@code {payloadType, payload (base64), signatures: [{keyid, sig (base64)}]}}.
 * Signatures cover the pre-authentication encoding ({@link #pae}), never the raw payload.
 */
public record Dsse(String payloadType, byte[] payload, List<Signature> signatures) {
    public static final String IN_TOTO = "application/vnd.in-toto+json";
    private static final ObjectMapper JSON = new ObjectMapper();

    public record Signature(String keyid, byte[] sig) {
    }

    public Dsse {
        signatures = List.copyOf(signatures);
    }

    /**
     * PAE = "DSSEv1" SP len(type) SP type SP len(payload) SP payload, lengths in BYTES of the
     * UTF-8 encoding (String.length() would count UTF-16 units and break non-ASCII types).
     */
    public static byte[] pae(String payloadType, byte[] payload) {
        byte[] type = payloadType.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream(payload.length + type.length + 32);
        out.writeBytes(("DSSEv1 " + type.length + " ").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(type);
        out.writeBytes((" " + payload.length + " ").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(payload);
        return out.toByteArray();
    }

    public static Dsse sign(String payloadType, byte[] payload, Keys.Signer signer) throws SigningException {
        return new Dsse(payloadType, payload, List.of(new Signature(signer.keyId(), signer.sign(pae(payloadType, payload)))));
    }

    /** True when at least one signature verifies with the key (DSSE semantics: any of them). */
    public boolean verifiedBy(Keys.Verifier key) {
        byte[] pae = pae(payloadType, payload);
        for (Signature s : signatures) {
            if (key.verify(pae, s.sig())) {
                return true;
            }
        }
        return false;
    }

    public ObjectNode toJson() {
        ObjectNode n = JSON.createObjectNode();
        n.put("payloadType", payloadType);
        n.put("payload", Base64.getEncoder().encodeToString(payload));
        ArrayNode sigs = n.putArray("signatures");
        for (Signature s : signatures) {
            ObjectNode o = sigs.addObject();
            o.put("keyid", s.keyid());
            o.put("sig", Base64.getEncoder().encodeToString(s.sig()));
        }
        return n;
    }

    public static Dsse fromJson(JsonNode n) throws SigningException {
        if (n == null || !n.isObject() || !n.path("payloadType").isTextual() || !n.path("payload").isTextual()
                || !n.path("signatures").isArray()) {
            throw new SigningException("not a DSSE envelope (payloadType, payload and signatures are required)");
        }
        try {
            List<Signature> sigs = new ArrayList<>();
            for (JsonNode s : n.path("signatures")) {
                sigs.add(new Signature(s.path("keyid").asText(""), Base64.getDecoder().decode(s.path("sig").asText(""))));
            }
            if (sigs.isEmpty()) {
                throw new SigningException("DSSE envelope has no signature");
            }
            return new Dsse(n.path("payloadType").asText(), Base64.getDecoder().decode(n.path("payload").asText()), sigs);
        } catch (IllegalArgumentException e) {
            throw new SigningException("DSSE envelope field is not base64", e);
        }
    }
}
