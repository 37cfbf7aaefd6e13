package dev.pedregal.gateway.support;

import java.util.HashMap;
import java.util.Map;

/** Test-profile settings of a gateway that checks OIDC tokens on every call and guards its API, as in production. */
public final class Oidc {

    private Oidc() {
    }

    /** Tokens required on :15002 and on the REST API (operator paths for platform admins), then {@code more}. */
    @SafeVarargs
    public static Map<String, String> secured(Map.Entry<String, String>... more) {
        Map<String, String> config = new HashMap<>(Map.of(
                "pedregal.identity.mode", "oidc",
                "quarkus.oidc.tenant-enabled", "true",
                "quarkus.http.auth.permission.operator.policy", "platform-admin",
                "quarkus.http.auth.permission.selfservice.policy", "authenticated"));
        for (Map.Entry<String, String> e : more) {
            config.put(e.getKey(), e.getValue());
        }
        return config;
    }
}
