package dev.pedregal.gateway.identity;

import dev.pedregal.gateway.connect.ConnectHeaders;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.jwt.JsonWebToken;

import dev.pedregal.gateway.config.GatewayConfig;
import dev.pedregal.gateway.identity.IdentityFailure.Reason;
import io.grpc.Metadata;
import io.quarkus.oidc.AccessTokenCredential;
import io.quarkus.oidc.TenantIdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

/**
 * Validates the bearer token of every RPC with Quarkus OIDC (issuer and audience pinned, keys from the
 * provider's cached JWKS, asymmetric algorithms only). A token seen before is answered from a bounded cache
 * — its expiry still checked on every RPC — so a session's RPCs cost no signature check and never a network
 * round trip. Tokens are never logged.
 */
@ApplicationScoped
public class Authenticator {

    private static final String BEARER = "bearer ";

    private final GatewayConfig.Identity config;
    private final Instance<TenantIdentityProvider> oidc;
    private final Map<String, Caller> validated = new ConcurrentHashMap<>();

    private final long graceSeconds;

    public Authenticator(GatewayConfig config, Instance<TenantIdentityProvider> oidc,
            @ConfigProperty(name = "quarkus.oidc.token.lifespan-grace", defaultValue = "0") int graceSeconds) {
        this.config = config.identity();
        this.oidc = oidc;
        this.graceSeconds = graceSeconds;
    }

    /** True when calls must carry a token; false in the loopback development mode. */
    public boolean enabled() {
        return config.mode() == GatewayConfig.Identity.Mode.OIDC;
    }

    /** The caller of an RPC; fails with {@code Unauthenticated} naming the reason. */
    public Uni<Caller> authenticate(Metadata headers) {
        String header = headers.get(ConnectHeaders.AUTHORIZATION);
        if (header == null || header.isBlank()) {
            return Uni.createFrom().failure(IdentityFailure.unauthenticated(Reason.MISSING_TOKEN,
                    "no bearer token: connect with sc://<gateway>:15002/;token=<OIDC access token>"));
        }
        if (header.length() <= BEARER.length() || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return Uni.createFrom().failure(IdentityFailure.unauthenticated(Reason.INVALID_TOKEN,
                    "the authorization metadata is not a bearer token"));
        }
        String token = header.substring(BEARER.length()).trim();
        Caller known = validated.get(token);
        if (known != null) {
            return unexpired(known);
        }
        return oidc.get().authenticate(new AccessTokenCredential(token))
                .onFailure().transform(Authenticator::classify)
                .flatMap(this::issuedInThePast)
                .map(identity -> remember(token, caller(identity)))
                .flatMap(this::unexpired);
    }

    /** A token issued in the future (beyond the clock-skew grace) is not valid yet; Quarkus checks only nbf. */
    private Uni<SecurityIdentity> issuedInThePast(SecurityIdentity identity) {
        long issuedAt = ((JsonWebToken) identity.getPrincipal()).getIssuedAtTime();
        if (issuedAt > Instant.now().getEpochSecond() + graceSeconds) {
            return Uni.createFrom().failure(IdentityFailure.unauthenticated(Reason.INVALID_TOKEN,
                    "the bearer token is not valid yet (issued in the future): check the clock of the issuer"));
        }
        return Uni.createFrom().item(identity);
    }

    private Uni<Caller> unexpired(Caller caller) {
        // The same clock-skew grace the OIDC validation applies.
        if (caller.expiresAt() != null && Instant.now().isAfter(caller.expiresAt().plusSeconds(graceSeconds))) {
            return Uni.createFrom().failure(IdentityFailure.unauthenticated(Reason.EXPIRED,
                    "the bearer token expired at " + caller.expiresAt() + ": get a new token and reconnect"));
        }
        return Uni.createFrom().item(caller);
    }

    private Caller remember(String token, Caller caller) {
        if (validated.size() >= config.tokenCacheSize()) {
            validated.values().removeIf(c -> c.expiresAt() != null && Instant.now().isAfter(c.expiresAt()));
            if (validated.size() >= config.tokenCacheSize()) {
                validated.clear();
            }
        }
        validated.put(token, caller);
        return caller;
    }

    /** The caller a validated identity (from any OIDC-authenticated request) stands for. */
    public Caller caller(SecurityIdentity identity) {
        JsonWebToken jwt = (JsonWebToken) identity.getPrincipal();
        String user = claim(jwt, config.userClaim());
        if (user == null) {
            user = jwt.getSubject();
        }
        Set<String> groups = groups(jwt.getClaim(config.groupsClaim()));
        Set<String> teams = new HashSet<>();
        for (String group : groups) {
            if (group.startsWith(config.teamGroupPrefix())) {
                teams.add(group.substring(config.teamGroupPrefix().length()));
            }
        }
        String clientId = claim(jwt, "azp");
        if (teams.isEmpty() && clientId != null && config.serviceAccounts().containsKey(clientId)) {
            teams.add(config.serviceAccounts().get(clientId));
        }
        Instant expires = jwt.getExpirationTime() > 0 ? Instant.ofEpochSecond(jwt.getExpirationTime()) : null;
        return new Caller(user, Set.copyOf(teams), groups.contains(config.adminGroup()), expires, clientId);
    }

    private static String claim(JsonWebToken jwt, String name) {
        Object value = jwt.getClaim(name);
        if (value == null) {
            return null;
        }
        String s = value instanceof jakarta.json.JsonString js ? js.getString() : value.toString();
        return s.isBlank() ? null : s;
    }

    private static Set<String> groups(Object claim) {
        Set<String> groups = new HashSet<>();
        if (claim instanceof Collection<?> values) {
            for (Object v : values) {
                String s = v instanceof jakarta.json.JsonString js ? js.getString() : String.valueOf(v);
                groups.add(s.startsWith("/") ? s.substring(1) : s);
            }
        }
        return groups;
    }

    /** Turns a validation failure into the fixed reason the client and the audit see. */
    static Throwable classify(Throwable failure) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            text.append(" ").append(t.getClass().getSimpleName()).append(" ").append(t.getMessage());
        }
        // jose4j quotes the token's claims in its messages: match only its own words.
        String m = text.toString().toLowerCase(Locale.ROOT).replaceAll("\\(claims->.*?\\) rejected", "rejected");
        if (m.contains("oidcexception")) {
            // The only remote call validation makes is the JWKS refresh for a kid not in the cache.
            return IdentityFailure.unauthenticated(Reason.UNKNOWN_KID, "the bearer token is signed with a key the gateway "
                    + "has not seen, and the identity provider could not be reached to refresh its keys");
        }
        if (m.contains("no expiration time")) {
            return IdentityFailure.unauthenticated(Reason.INVALID_TOKEN, "the bearer token is not valid: it has no expiry (exp)");
        }
        if (m.contains("not yet valid")) {
            return IdentityFailure.unauthenticated(Reason.INVALID_TOKEN, "the bearer token is not valid yet (nbf): check the clock of the issuer");
        }
        if (m.contains("expiration time") || m.contains("expired")) {
            return IdentityFailure.unauthenticated(Reason.EXPIRED, "the bearer token has expired: get a new token and reconnect");
        }
        if (m.contains("issuer")) {
            return IdentityFailure.unauthenticated(Reason.WRONG_ISSUER, "the bearer token was issued by another issuer");
        }
        if (m.contains("audience")) {
            return IdentityFailure.unauthenticated(Reason.WRONG_AUDIENCE, "the bearer token is not meant for this gateway (audience)");
        }
        if (m.contains("kid") || m.contains("no matching") || m.contains("key resolution") || m.contains("jwk")) {
            return IdentityFailure.unauthenticated(Reason.UNKNOWN_KID, "the bearer token is signed with a key the identity provider does not publish");
        }
        return IdentityFailure.unauthenticated(Reason.INVALID_TOKEN, "the bearer token is not valid");
    }
}
