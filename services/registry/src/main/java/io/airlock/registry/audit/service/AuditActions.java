package io.airlock.registry.audit.service;

/** The {@code action} values of audit entries, and the subject prefixes. */
public final class AuditActions {
    public static final String SUBMISSION_CREATE = "submission.create";
    public static final String SUBMISSION_BLOCK = "submission.block";
    public static final String SUBMISSION_TRANSITION = "submission.transition";
    public static final String SUBMISSION_PROMOTE = "submission.promote";
    public static final String SUBMISSION_PROMOTION_REFUSED = "submission.promotion-refused";
    public static final String SUBMISSION_RESCAN = "submission.rescan";
    public static final String SUBMISSION_DEAD_LETTER = "submission.dead-letter";
    public static final String SUBMISSION_REQUEUE = "submission.requeue";
    public static final String STAGE_REJECT = "stage.reject";
    public static final String STAGE_ERROR = "stage.error";
    public static final String MODEL_DELETE = "model.delete";

    private AuditActions() {
    }

    public static String submission(String id) {
        return "submission/" + id;
    }

    public static String model(String id) {
        return "model/" + id;
    }
}
