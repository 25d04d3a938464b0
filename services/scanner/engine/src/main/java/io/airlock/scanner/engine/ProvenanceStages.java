package io.airlock.scanner.engine;

import io.airlock.contracts.Finding;
import io.airlock.contracts.Severity;
import io.airlock.contracts.StageResult;
import io.airlock.contracts.StageStatus;
import io.airlock.signing.Keys;
import io.airlock.signing.ModelSignature;
import io.airlock.signing.OpenPgp;
import io.airlock.signing.SigningException;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The {@code source_policy} and {@code provenance} stages: where it came from, and who signed it. */
final class ProvenanceStages {
    static final String SOURCE_POLICY = "source_policy";
    static final String PROVENANCE = "provenance";
    static final String OPENPGP_FORMAT = "openpgp detached signature";
    private static final int MAX_SIGNATURE = OpenPgp.MAX_SIGNATURE;

    private ProvenanceStages() {
    }

    static StageResult sourcePolicy(Provenance p) {
        Provenance.SourcePolicy policy = p.sources();
        Map<String, String> details = new LinkedHashMap<>();
        details.put("origin", p.sourceUrl().isEmpty() ? "none recorded" : p.sourceUrl());
        if (!policy.configured()) {
            details.put("reason", "no source policy configured (no allowed hosts, origin not required)");
            return new StageResult(SOURCE_POLICY, StageStatus.SKIPPED, 0, List.of(), details);
        }
        details.put("allowedHosts", String.join(",", new java.util.TreeSet<>(policy.allowedHosts())));
        if (p.sourceUrl().isEmpty()) {
            return policy.requireSource()
                    ? fail(SOURCE_POLICY, details, "source.missing", "the policy requires a recorded origin and none was given", "")
                    : new StageResult(SOURCE_POLICY, StageStatus.PASS, 0, List.of(), details);
        }
        URI u;
        try {
            u = new URI(p.sourceUrl());
        } catch (URISyntaxException e) {
            return fail(SOURCE_POLICY, details, "source.malformed", "the origin is not a URL", p.sourceUrl());
        }
        List<Finding> f = new ArrayList<>();
        if (!"https".equalsIgnoreCase(u.getScheme())) {
            f.add(finding(SOURCE_POLICY, "source.not_https", "the origin must be an https URL", p.sourceUrl()));
        }
        if (u.getRawUserInfo() != null) {
            // https://allowed.host@evil.example/ : the host is evil.example, the rest is a lure
            f.add(finding(SOURCE_POLICY, "source.credentials", "the origin carries credentials or a user part", p.sourceUrl()));
        }
        String host = u.getHost() == null ? "" : u.getHost().toLowerCase(Locale.ROOT);
        if (host.endsWith(".")) {
            host = host.substring(0, host.length() - 1);
        }
        if (host.isEmpty() || !policy.allowedHosts().contains(host) || (u.getPort() != -1 && u.getPort() != 443)) {
            f.add(finding(SOURCE_POLICY, "source.host_not_allowed", "host '" + host + "'"
                    + (u.getPort() != -1 ? " port " + u.getPort() : "") + " is not exactly one of the allowed hosts", p.sourceUrl()));
        }
        details.put("host", host);
        return new StageResult(SOURCE_POLICY, f.isEmpty() ? StageStatus.PASS : StageStatus.FAIL, 0, f, details);
    }

    static StageResult provenance(Provenance p, Path artifact, String sha256) throws IOException {
        Map<String, String> details = new LinkedHashMap<>();
        if (p.signature().isEmpty()) {
            details.put("signature", "absent");
            if (p.requireSignature()) {
                return fail(PROVENANCE, details, "provenance.signature_missing", "the policy requires a signature and none was submitted", "");
            }
            details.put("reason", "no signature was submitted");
            return new StageResult(PROVENANCE, StageStatus.SKIPPED, 0, List.of(), details);
        }
        Path sig = p.signature().get();
        boolean openPgp = OpenPgp.looksLikeSignature(head(sig));
        // OpenPGP key blocks and PEM keys share one list; each kind of signature is checked only with its own kind
        List<String> pgpKeys = p.trustedKeysPem().stream().filter(OpenPgp::isPublicKeyBlock).toList();
        List<String> pemKeys = p.trustedKeysPem().stream().filter(k -> !OpenPgp.isPublicKeyBlock(k)).toList();
        if (openPgp) {
            details.put("signatureFormat", OPENPGP_FORMAT);
        }
        if ((openPgp ? pgpKeys : pemKeys).isEmpty()) {
            details.put("signature", "present, unverified");
            if (p.requireSignature()) {
                return fail(PROVENANCE, details, "provenance.no_trusted_keys", "a signature is required but no trusted key"
                        + (p.trustedKeysPem().isEmpty() ? "" : openPgp ? " in OpenPGP armor" : " in PEM") + " is configured", "");
            }
            details.put("reason", p.trustedKeysPem().isEmpty() ? "no trusted keys are configured, so the signature cannot be checked"
                    : openPgp ? "no trusted OpenPGP public key block is configured, so the OpenPGP signature cannot be checked"
                    : "only OpenPGP keys are configured, so this signature (not OpenPGP) cannot be checked");
            return new StageResult(PROVENANCE, StageStatus.NOT_RUN, 0, List.of(), details);
        }
        if (Files.size(sig) > MAX_SIGNATURE) {
            return fail(PROVENANCE, details, "provenance.signature_invalid", "the signature is larger than " + MAX_SIGNATURE + " bytes", "");
        }
        byte[] bytes = Files.readAllBytes(sig);
        if (openPgp) {
            return openPgp(details, bytes, artifact, pgpKeys);
        }
        boolean bundle = looksLikeJson(bytes);
        details.put("signatureFormat", bundle ? "sigstore bundle (model signing v1.0)" : "cosign blob signature");
        String unsupported = "";
        for (String pem : pemKeys) {
            Keys.Verifier key;
            try {
                key = Keys.verifier(pem);
            } catch (SigningException e) {
                throw new IOException("a configured trusted key is unusable: " + e.getMessage(), e);
            }
            if (bundle) {
                ModelSignature.Result r = ModelSignature.verify(bytes, key,
                        Map.of(p.artifactName().isEmpty() ? "artifact" : p.artifactName(), sha256));
                if (r.status() == ModelSignature.Status.VERIFIED) {
                    return verified(details, key.hint(), r.detail());
                }
                if (r.status() == ModelSignature.Status.UNSUPPORTED) {
                    unsupported = r.detail();
                }
                details.put("lastProblem", r.detail());
            } else {
                byte[] der;
                try {
                    der = Base64.getMimeDecoder().decode(new String(bytes, StandardCharsets.US_ASCII).strip());
                } catch (IllegalArgumentException e) {
                    return fail(PROVENANCE, details, "provenance.signature_invalid", "the signature is neither a bundle nor base64", "");
                }
                try (InputStream in = Files.newInputStream(artifact)) {
                    if (key.verify(in, der)) {
                        return verified(details, key.hint(), "cosign blob signature over the artifact");
                    }
                }
            }
        }
        if (!unsupported.isEmpty()) {
            details.put("signature", "present, unsupported");
            details.put("reason", unsupported);
            return p.requireSignature()
                    ? fail(PROVENANCE, details, "provenance.signature_unsupported", unsupported, "")
                    : new StageResult(PROVENANCE, StageStatus.NOT_RUN, 0, List.of(), details);
        }
        details.put("signature", "invalid");
        return fail(PROVENANCE, details, "provenance.signature_invalid",
                "the signature does not verify with any trusted key over this artifact", details.getOrDefault("lastProblem", ""));
    }

    /** An OpenPGP detached signature over the whole artifact, checked against the pinned OpenPGP certificates. */
    private static StageResult openPgp(Map<String, String> details, byte[] signature, Path artifact, List<String> armoredKeys)
            throws IOException {
        OpenPgp.TrustedKeys keys;
        try {
            keys = OpenPgp.trustedKeys(armoredKeys);
        } catch (SigningException e) {
            throw new IOException("a configured trusted key is unusable: " + e.getMessage(), e);
        }
        OpenPgp.Result r;
        try (InputStream in = Files.newInputStream(artifact)) {
            r = OpenPgp.verify(signature, in, keys);
        }
        if (r.status() == OpenPgp.Status.VERIFIED) {
            return verified(details, r.fingerprint(), r.detail());
        }
        details.put("signature", "invalid");
        details.put("reason", r.detail());
        return fail(PROVENANCE, details, "provenance.signature_invalid",
                "the OpenPGP signature does not verify with any trusted key over this artifact", r.detail());
    }

    /** The signature file's first bytes, enough to tell its format. */
    private static byte[] head(Path sig) throws IOException {
        try (InputStream in = Files.newInputStream(sig)) {
            return in.readNBytes(1024);
        }
    }

    private static StageResult verified(Map<String, String> details, String keyHint, String what) {
        details.put("signature", "verified");
        details.put("keyHint", keyHint);
        details.put("verified", what);
        details.remove("lastProblem");
        return new StageResult(PROVENANCE, StageStatus.PASS, 0, List.of(), details);
    }

    private static boolean looksLikeJson(byte[] b) {
        for (byte x : b) {
            if (x == ' ' || x == '\n' || x == '\r' || x == '\t') {
                continue;
            }
            return x == '{';
        }
        return false;
    }

    private static StageResult fail(String stage, Map<String, String> details, String rule, String message, String evidence) {
        return new StageResult(stage, StageStatus.FAIL, 0, List.of(finding(stage, rule, message, evidence)), details);
    }

    private static Finding finding(String stage, String rule, String message, String evidence) {
        return new Finding(rule, Severity.HIGH, stage, "", message, evidence);
    }

}
