package dev.pedregal.gateway.provisioning;

import java.util.Set;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.jwt.JsonWebToken;

import dev.pedregal.gateway.identity.Authenticator;
import dev.pedregal.gateway.identity.Caller;
import dev.pedregal.gateway.observability.RequestIds;
import io.quarkus.security.identity.SecurityIdentity;

/**
 * The caller of a REST request, as the same OIDC configuration as the front door established. With identity
 * off (development on loopback) the caller is a local platform admin.
 */
@ApplicationScoped
public class RestCallers {

    public static final Caller LOCAL_ADMIN = new Caller("local-admin", Set.of(), true, null, null);

    private final Authenticator authenticator;

    public RestCallers(Authenticator authenticator) {
        this.authenticator = authenticator;
    }

    public Caller of(SecurityIdentity identity) {
        if (!authenticator.enabled()) {
            return LOCAL_ADMIN;
        }
        if (identity == null || identity.isAnonymous() || !(identity.getPrincipal() instanceof JsonWebToken)) {
            throw new jakarta.ws.rs.NotAuthorizedException("Bearer");
        }
        return authenticator.caller(identity);
    }

    /** The client's X-Request-Id when it looks like one, otherwise a fresh id. */
    public static String requestId(String header) {
        return RequestIds.plausible(header) ? header : "rest-" + UUID.randomUUID();
    }
}
