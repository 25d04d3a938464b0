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
    /** A conformance evaluation with failModelOnDrift failed: the model leaves the serving list. */
    public static final String MODEL_DEGRADE = "model.degrade";
    /** The hold of {@link #MODEL_DEGRADE} ended (a passing run, or the evaluation deleted). */
    public static final String MODEL_RESTORE = "model.restore";
    public static final String EVALUATION_CREATE = "evaluation.create";
    public static final String EVALUATION_DELETE = "evaluation.delete";
    public static final String EVALUATION_RUN = "evaluation.run";
    public static final String EVALUATION_PHASE = "evaluation.phase";
    /** A new version of a kernel task was registered. */
    public static final String TASK_REGISTER = "task.register";

    private AuditActions() {
    }

    public static String submission(String id) {
        return "submission/" + id;
    }

    public static String model(String id) {
        return "model/" + id;
    }

    public static String evaluation(String name) {
        return "evaluation/" + name;
    }

    public static String task(String name) {
        return "task/" + name;
    }
}
