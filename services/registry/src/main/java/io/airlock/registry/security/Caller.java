package io.airlock.registry.security;

import jakarta.enterprise.context.RequestScoped;

/** Who is calling this request, as {@link OperatorFilter} established it; the audit log's actor. */
@RequestScoped
public class Caller {
    private String actor = "anonymous";

    public String actor() {
        return actor;
    }

    void actor(String actor) {
        this.actor = actor;
    }
}
