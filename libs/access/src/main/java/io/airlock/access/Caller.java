package io.airlock.access;

import io.airlock.identity.Roles;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Who is calling, as the verified token says. Ownership rules ask {@link #seesEverything()}:
 * operators and auditors see every submission, a submitter only their own.
 */
@ApplicationScoped
public class Caller {
    @Inject
    SecurityIdentity identity;
    /**
     * One setting for both services: whether submitters see the evidence of findings (the bytes or
     * text that matched), in the precheck's refusal and in every later read of their own findings.
     * Off by default: evidence tells an attacker exactly which bytes to change.
     */
    @ConfigProperty(name = "airlock.precheck.show-evidence", defaultValue = "false")
    boolean submittersSeeEvidence;

    /** The token's subject; "anonymous" where no token was required (health, the page's files). */
    public String user() {
        return user(identity);
    }

    /** The strongest role the token carries. */
    public String role() {
        return role(identity);
    }

    /** {@link #user()} of any identity (for handlers outside the request scope, such as Vert.x routes). */
    public static String user(SecurityIdentity identity) {
        if (identity.isAnonymous()) {
            return "anonymous";
        }
        // the subject, not the display name: ownership and revocation are keyed by sub
        return identity.getPrincipal() instanceof JsonWebToken jwt && jwt.getSubject() != null
                ? jwt.getSubject() : identity.getPrincipal().getName();
    }

    /** {@link #role()} of any identity. */
    public static String role(SecurityIdentity identity) {
        for (String r : new String[]{Roles.OPERATOR, Roles.AUDITOR, Roles.SUBMITTER, Roles.SERVICE}) {
            if (identity.hasRole(r)) {
                return r;
            }
        }
        return "none";
    }

    public boolean seesEverything() {
        return identity.hasRole(Roles.OPERATOR) || identity.hasRole(Roles.AUDITOR);
    }

    /** Whether findings are shown with their evidence: always to operators and auditors, to submitters by setting. */
    public boolean seesEvidence() {
        return seesEverything() || submittersSeeEvidence;
    }

    /** Whether a record submitted by {@code submitter} may be shown; others answer 404, never 403. */
    public boolean mayRead(String submitter) {
        return seesEverything() || user().equals(submitter);
    }

    /** The verified token, for requests that outlive their start (event streams check it again on every poll). */
    public DenyList.Token token() {
        if (!(identity.getPrincipal() instanceof JsonWebToken jwt)) {
            throw new io.quarkus.security.UnauthorizedException();
        }
        return DenyList.Token.of(jwt);
    }

    /** The audit log's actor: role and user, e.g. {@code operator:alice}. */
    public String actor() {
        return role() + ":" + user();
    }
}
