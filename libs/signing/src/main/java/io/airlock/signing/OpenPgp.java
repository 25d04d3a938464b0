package io.airlock.signing;

import org.bouncycastle.bcpg.ArmoredInputStream;
import org.bouncycastle.bcpg.BCPGInputStream;
import org.bouncycastle.bcpg.HashAlgorithmTags;
import org.bouncycastle.bcpg.KeyIdentifier;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPMarker;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureList;
import org.bouncycastle.openpgp.PGPUtil;
import org.bouncycastle.openpgp.api.OpenPGPCertificate;
import org.bouncycastle.openpgp.api.OpenPGPImplementation;
import org.bouncycastle.openpgp.api.OpenPGPKeyReader;
import org.bouncycastle.openpgp.api.OpenPGPPolicy;
import org.bouncycastle.openpgp.api.OpenPGPSignature;
import org.bouncycastle.openpgp.api.bc.BcOpenPGPImplementation;
import org.bouncycastle.openpgp.bc.BcPGPObjectFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * OpenPGP detached signatures (RFC 4880 v4 and RFC 9580 v6) over a whole artifact, checked
 * against pinned public keys with Bouncy Castle. A signature verifies only when all of these
 * hold: it is a binary-document signature (type 0x00); its hash is SHA-256 or stronger; its
 * issuer is a key of a trusted certificate (the primary key or a subkey bound to it); that key
 * was bound, unrevoked, unexpired and signing-capable when the signature was made; and the
 * signature is correct over the artifact's bytes. Anything else is {@link Status#INVALID} with
 * the reason; hostile signature bytes never throw.
 */
public final class OpenPgp {
    /** Largest signature file read (an ordinary one is a few hundred bytes). */
    public static final int MAX_SIGNATURE = 1 << 20;
    /** Largest armored key block accepted as a trusted key (keys with many certifications run to a few hundred KiB). */
    public static final int MAX_KEY_BLOCK = 1 << 20;
    static final String KEY_ARMOR = "-----BEGIN PGP PUBLIC KEY BLOCK-----";
    static final String SIGNATURE_ARMOR = "-----BEGIN PGP SIGNATURE-----";
    private static final int MAX_SIGNATURES = 16;
    /** Signatures dated later than this past the verifier's clock are refused (clock skew allowance). */
    private static final Duration FUTURE_SKEW = Duration.ofMinutes(5);
    /** MD5, SHA-1, RIPEMD-160 and SHA-224 are refused; collisions on the first two are practical. */
    private static final Set<Integer> STRONG_HASHES = Set.of(HashAlgorithmTags.SHA256, HashAlgorithmTags.SHA384,
            HashAlgorithmTags.SHA512, HashAlgorithmTags.SHA3_256, HashAlgorithmTags.SHA3_512);
    private static final OpenPGPImplementation BC = new BcOpenPGPImplementation();
    private static final OpenPGPPolicy POLICY = BC.policy();

    private OpenPgp() {
    }

    /** What verification concluded. */
    public enum Status { VERIFIED, INVALID }

    /**
     * @param fingerprint hex fingerprint of the trusted certificate (its primary key) that verified, "" when none
     */
    public record Result(Status status, String detail, String fingerprint) {
        static Result invalid(String detail) {
            return new Result(Status.INVALID, detail, "");
        }
    }

    /** Pinned OpenPGP certificates; Bouncy Castle types stay inside this class. */
    public static final class TrustedKeys {
        private final List<OpenPGPCertificate> certificates;

        private TrustedKeys(List<OpenPGPCertificate> certificates) {
            this.certificates = List.copyOf(certificates);
        }

        /** Primary-key fingerprints, uppercase hex, in configuration order. */
        public List<String> fingerprints() {
            return certificates.stream().map(c -> hex(c.getFingerprint())).toList();
        }
    }

    /** True for text holding an ASCII-armored OpenPGP public key block (rather than a PEM key). */
    public static boolean isPublicKeyBlock(String text) {
        return text != null && text.contains(KEY_ARMOR);
    }

    /**
     * True when the bytes start like an OpenPGP signature: PGP armor, or a binary packet whose tag
     * is 2 (signature) in the old or the new packet format. Sigstore bundles (JSON) and cosign
     * signatures (base64 text) are ASCII and never have the high bit of their first byte set.
     */
    public static boolean looksLikeSignature(byte[] head) {
        int i = 0;
        while (i < head.length && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n')) {
            i++;
        }
        if (i == head.length) {
            return false;
        }
        if (new String(head, i, Math.min(head.length - i, 15), StandardCharsets.US_ASCII).equals("-----BEGIN PGP ")) {
            return true;
        }
        if (i > 0) {
            return false; // a binary packet starts at the first byte
        }
        int b = head[0] & 0xFF;
        if ((b & 0x80) == 0) {
            return false;
        }
        int tag = (b & 0x40) != 0 ? b & 0x3F : (b >> 2) & 0x0F;
        return tag == 2;
    }

    /**
     * Reads trusted public keys. An armored block may hold several certificates.
     *
     * @throws SigningException for a block that is too large, not a public key block, or unreadable:
     *                          a misconfigured trust anchor is the operator's error, never a pass
     */
    public static TrustedKeys trustedKeys(List<String> armoredBlocks) throws SigningException {
        List<OpenPGPCertificate> certs = new ArrayList<>();
        OpenPGPKeyReader reader = new OpenPGPKeyReader(BC, POLICY);
        for (String block : armoredBlocks) {
            if (block.length() > MAX_KEY_BLOCK) {
                throw new SigningException("OpenPGP key block larger than " + MAX_KEY_BLOCK + " characters");
            }
            if (!isPublicKeyBlock(block)) {
                throw new SigningException("not an armored OpenPGP public key block (" + KEY_ARMOR + ")");
            }
            List<OpenPGPCertificate> parsed;
            try {
                parsed = reader.parseCertificates(block.substring(block.indexOf(KEY_ARMOR)));
            } catch (IOException | RuntimeException e) {
                throw new SigningException("unreadable OpenPGP public key block: " + e.getMessage(), e);
            }
            if (parsed.isEmpty()) {
                throw new SigningException("the OpenPGP public key block holds no certificate");
            }
            for (OpenPGPCertificate c : parsed) {
                if (c.isSecretKey()) {
                    throw new SigningException("a trusted key must be a public certificate, not a secret key");
                }
                certs.add(c);
            }
        }
        return new TrustedKeys(certs);
    }

    /**
     * Verifies a detached signature over {@code data}, read once in 1 MiB chunks and never held
     * whole. The data is not read at all when no signature could apply (no trusted issuer, weak
     * hash, wrong type), so a refusal costs nothing.
     *
     * @param signature the signature file's bytes, armored or binary
     * @throws IOException only when reading {@code data} fails
     */
    public static Result verify(byte[] signature, InputStream data, TrustedKeys keys) throws IOException {
        if (signature.length > MAX_SIGNATURE) {
            return Result.invalid("OpenPGP signature larger than " + MAX_SIGNATURE + " bytes");
        }
        List<PGPSignature> sigs;
        try {
            sigs = parse(signature);
        } catch (IOException | PGPException | RuntimeException e) {
            // BC signals malformed packets with IOExceptions and, for some, runtime exceptions
            return Result.invalid("not a readable OpenPGP detached signature: " + e.getMessage());
        }
        Date now = new Date();
        List<Candidate> candidates = new ArrayList<>();
        String untrusted = "";
        String problem = "";
        for (PGPSignature sig : sigs) {
            try {
                Candidate c = candidate(sig, keys, now);
                if (c.problem.isEmpty()) {
                    candidates.add(c);
                } else if (c.key == null) {
                    untrusted = untrusted.isEmpty() ? c.problem : untrusted;
                } else {
                    problem = problem.isEmpty() ? c.problem : problem;
                }
            } catch (PGPException | RuntimeException e) {
                problem = problem.isEmpty() ? "OpenPGP signature cannot be checked: " + e.getMessage() : problem;
            }
        }
        if (candidates.isEmpty()) {
            // a reason about a trusted key says more than "someone else signed it"
            return Result.invalid(!problem.isEmpty() ? problem : untrusted);
        }
        byte[] buf = new byte[1 << 20];
        int n;
        while ((n = data.read(buf)) != -1) {
            for (Candidate c : candidates) {
                c.sig.update(buf, 0, n);
            }
        }
        for (Candidate c : candidates) {
            OpenPGPSignature.OpenPGPDocumentSignature doc = new OpenPGPSignature.OpenPGPDocumentSignature(c.sig, c.key);
            try {
                if (!doc.verify()) {
                    problem = problem.isEmpty() ? "OpenPGP signature by " + hex(c.key.getPGPPublicKey().getFingerprint())
                            + " does not match this artifact's bytes" : problem;
                    continue;
                }
                // BC's own verdict as well: bindings, expiry, revocation, key flags and its algorithm policy at signing time
                if (!doc.isValidAt(c.sig.getCreationTime(), POLICY)) {
                    problem = problem.isEmpty() ? "the signing key was not a valid signing key when the signature was made" : problem;
                    continue;
                }
            } catch (PGPException | RuntimeException e) {
                problem = problem.isEmpty() ? "OpenPGP signature is not valid: " + e.getMessage() : problem;
                continue;
            }
            String primary = hex(c.key.getCertificate().getFingerprint());
            String signer = hex(c.key.getPGPPublicKey().getFingerprint());
            return new Result(Status.VERIFIED, "OpenPGP v" + c.sig.getVersion() + " binary-document signature ("
                    + hashName(c.sig.getHashAlgorithm()) + ") by " + primary
                    + (signer.equals(primary) ? "" : " with signing subkey " + signer), primary);
        }
        return Result.invalid(problem);
    }

    /** A signature paired with the trusted key that would have made it, or the reason it cannot be used. */
    private record Candidate(PGPSignature sig, OpenPGPCertificate.OpenPGPComponentKey key, String problem) {
    }

    private static Candidate candidate(PGPSignature sig, TrustedKeys keys, Date now) throws PGPException {
        if (sig.getVersion() != 4 && sig.getVersion() != 6) {
            return new Candidate(sig, null, "OpenPGP v" + sig.getVersion() + " signatures are not accepted (v4 or v6 only)");
        }
        KeyIdentifier issuer = OpenPGPSignature.getMostExpressiveIdentifier(sig.getKeyIdentifiers());
        OpenPGPCertificate.OpenPGPComponentKey key = null;
        if (issuer != null && !issuer.isWildcard()) {
            for (OpenPGPCertificate cert : keys.certificates) {
                key = cert.getKey(issuer);
                if (key != null) {
                    break;
                }
            }
        }
        if (key == null) {
            return new Candidate(sig, null, "OpenPGP signature by "
                    + (issuer == null ? "an unnamed key" : issuer.isWildcard() ? "an anonymous key" : "key " + issuerText(issuer))
                    + ", which is not a trusted key");
        }
        String fpr = hex(key.getPGPPublicKey().getFingerprint());
        if (sig.getSignatureType() != PGPSignature.BINARY_DOCUMENT) {
            return new Candidate(sig, key, String.format(Locale.ROOT,
                    "OpenPGP signature type 0x%02x is not a binary-document signature (0x00) over the file's bytes",
                    sig.getSignatureType()));
        }
        if (!STRONG_HASHES.contains(sig.getHashAlgorithm())) {
            return new Candidate(sig, key, "OpenPGP signature uses " + hashName(sig.getHashAlgorithm())
                    + ", which is refused: SHA-256 or stronger is required");
        }
        Date created = sig.getCreationTime();
        if (created.after(new Date(now.getTime() + FUTURE_SKEW.toMillis()))) {
            return new Candidate(sig, key, "OpenPGP signature is dated in the future (" + created.toInstant() + ")");
        }
        Date expires = sig.getHashedSubPackets() == null || sig.getHashedSubPackets().getSignatureExpirationTime() <= 0 ? null
                : new Date(created.getTime() + 1000L * sig.getHashedSubPackets().getSignatureExpirationTime());
        if (expires != null && !now.before(expires)) {
            return new Candidate(sig, key, "OpenPGP signature expired at " + expires.toInstant());
        }
        String state = keyState(key, created);
        if (!state.isEmpty()) {
            return new Candidate(sig, key, "key " + fpr + " " + state + " when the signature was made (" + created.toInstant() + ")");
        }
        sig.init(BC.pgpContentVerifierBuilderProvider(), key.getPGPPublicKey());
        return new Candidate(sig, key, "");
    }

    /** Why the key could not sign at {@code t}, "" when it could. Revocation and expiry are named; the rest is BC's binding check. */
    private static String keyState(OpenPGPCertificate.OpenPGPComponentKey key, Date t) {
        OpenPGPCertificate.OpenPGPComponentKey primary = key.getCertificate().getPrimaryKey();
        for (OpenPGPCertificate.OpenPGPComponentKey k : key.isPrimaryKey() ? List.of(key) : List.of(primary, key)) {
            String which = k.isPrimaryKey() ? "(primary)" : "(subkey)";
            if (k.getRevocation(t) != null) {
                return which + " was revoked";
            }
            Date expiry = k.getKeyExpirationDateAt(t);
            if (expiry != null && !t.before(expiry)) {
                return which + " had expired at " + expiry.toInstant();
            }
            if (t.before(k.getCreationTime())) {
                return which + " did not exist yet";
            }
            if (!k.isBoundAt(t)) {
                return which + " had no valid self-signature";
            }
        }
        if (!key.isSigningKey(t)) {
            return "was not a signing-capable key (no sign flag)";
        }
        return "";
    }

    private static List<PGPSignature> parse(byte[] bytes) throws IOException, PGPException {
        InputStream raw = new ByteArrayInputStream(bytes);
        if (looksArmored(bytes)) {
            ArmoredInputStream armor = new ArmoredInputStream(raw);
            String header = armor.getArmorHeaderLine();
            if (header == null || !header.strip().equals(SIGNATURE_ARMOR)) {
                throw new PGPException("armor is '" + (header == null ? "" : header.strip()) + "', a detached signature is " + SIGNATURE_ARMOR);
            }
            raw = armor;
        } else if (!looksLikeSignature(bytes)) {
            throw new PGPException("the first packet is not a signature");
        }
        BcPGPObjectFactory factory = new BcPGPObjectFactory(BCPGInputStream.wrap(raw));
        List<PGPSignature> sigs = new ArrayList<>();
        Object next;
        while ((next = factory.nextObject()) != null) {
            if (next instanceof PGPSignatureList list) {
                for (PGPSignature s : list) {
                    sigs.add(s);
                }
            } else if (!(next instanceof PGPMarker)) {
                // a compressed or literal packet is a signed message, not a detached signature (and is never inflated here)
                throw new PGPException("packet " + next.getClass().getSimpleName() + " in a detached signature");
            }
            if (sigs.size() > MAX_SIGNATURES) {
                throw new PGPException("more than " + MAX_SIGNATURES + " signatures");
            }
        }
        if (sigs.isEmpty()) {
            throw new PGPException("no signature packet");
        }
        return sigs;
    }

    private static boolean looksArmored(byte[] b) {
        return b.length > 0 && (b[0] & 0x80) == 0 && looksLikeSignature(b);
    }

    private static String issuerText(KeyIdentifier id) {
        return id.getFingerprint() != null ? hex(id.getFingerprint()) : String.format(Locale.ROOT, "%016X", id.getKeyId());
    }

    private static String hashName(int algorithm) {
        try {
            return PGPUtil.getDigestName(algorithm);
        } catch (PGPException e) {
            return "hash algorithm " + algorithm;
        }
    }

    static String hex(byte[] b) {
        return HexFormat.of().withUpperCase().formatHex(b);
    }
}
