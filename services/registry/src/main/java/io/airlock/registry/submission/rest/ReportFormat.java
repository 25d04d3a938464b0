package io.airlock.registry.submission.rest;

import io.airlock.registry.problem.ProblemException;
import io.airlock.registry.report.CycloneDxReport;
import io.airlock.registry.report.SarifReport;
import jakarta.ws.rs.core.MediaType;

import java.util.Locale;
import java.util.Optional;

/** The downloadable report formats; {@code ?format=} wins over Accept, JSON is the default. */
enum ReportFormat {
    JSON(MediaType.APPLICATION_JSON, ".json"),
    SARIF(SarifReport.MEDIA_TYPE, ".sarif.json"),
    CYCLONEDX(CycloneDxReport.MEDIA_TYPE, ".cdx.json");

    private final String mediaType;
    private final String suffix;

    ReportFormat(String mediaType, String suffix) {
        this.mediaType = mediaType;
        this.suffix = suffix;
    }

    String mediaType() {
        return mediaType;
    }

    String suffix() {
        return suffix;
    }

    static ReportFormat choose(Optional<String> format, Optional<String> accept) {
        if (format.isPresent()) {
            return switch (format.get().toLowerCase(Locale.ROOT)) {
                case "json" -> JSON;
                case "sarif" -> SARIF;
                case "cyclonedx", "cdx" -> CYCLONEDX;
                default -> throw ProblemException.badRequest("bad-format",
                        "format '" + format.get() + "' is not one of json, sarif, cyclonedx");
            };
        }
        String a = accept.orElse("").toLowerCase(Locale.ROOT);
        if (a.contains(SarifReport.MEDIA_TYPE)) {
            return SARIF;
        }
        if (a.contains(CycloneDxReport.MEDIA_TYPE)) {
            return CYCLONEDX;
        }
        return JSON;
    }
}
