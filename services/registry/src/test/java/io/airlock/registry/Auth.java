package io.airlock.registry;

import io.airlock.identity.Roles;
import io.airlock.testing.TestIdentity;
import io.restassured.RestAssured;
import io.restassured.builder.RequestSpecBuilder;
import io.restassured.config.HeaderConfig;

/** Bearer tokens of the test key (TestIdentity) for the registry's REST tests. */
final class Auth {
    static final String OPERATOR = bearer("ops", Roles.OPERATOR);
    /** An Authorization header with no token in it: the caller is anonymous. */
    static final String NONE = "Bearer ";

    private Auth() {
    }

    static String bearer(String user, String role) {
        return "Bearer " + TestIdentity.token(user, role);
    }

    /**
     * Requests carry an operator's token unless they name their own Authorization, which then
     * replaces it (tests of roles and ownership name theirs).
     */
    static void operatorByDefault() {
        RestAssured.requestSpecification = new RequestSpecBuilder().addHeader("Authorization", OPERATOR).build();
        RestAssured.config = RestAssured.config()
                .headerConfig(HeaderConfig.headerConfig().overwriteHeadersWithName("Authorization"));
    }
}
