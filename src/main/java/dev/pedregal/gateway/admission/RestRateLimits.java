package dev.pedregal.gateway.admission;

import java.util.Map;

import jakarta.enterprise.inject.Instance;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

import dev.pedregal.gateway.capacity.CapacityUnavailable;
import dev.pedregal.gateway.capacity.RateDecision;
import dev.pedregal.gateway.capacity.RateLimit;
import dev.pedregal.gateway.capacity.RateLimiter;
import dev.pedregal.gateway.config.GatewayConfig;
import dev.pedregal.gateway.provisioning.Problems;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;

/**
 * Per-user rate limits on the self-service API ({@code /api/*}), shared by every replica through Redis. Every
 * answer carries {@code RateLimit-Limit}, {@code RateLimit-Remaining} and {@code RateLimit-Reset}; a refusal is a
 * 429 problem with {@code Retry-After}. When Redis is in trouble the limit is not enforced (the request goes on,
 * and whatever it asks of the capacity calendar still fails closed).
 */
public class RestRateLimits {

    private static final Logger LOG = Logger.getLogger(RestRateLimits.class);
    private static final String DECISION = RestRateLimits.class.getName() + ".decision";
    private static final String LIMIT = RestRateLimits.class.getName() + ".limit";

    private final boolean enabled;
    private final GatewayConfig.Capacity config;
    private final Instance<RateLimiter> limiter;
    private final CurrentIdentityAssociation identity;

    public RestRateLimits(GatewayConfig config, Instance<RateLimiter> limiter, CurrentIdentityAssociation identity) {
        this.config = config.capacity();
        this.enabled = this.config.enabled();
        this.limiter = limiter;
        this.identity = identity;
    }

    @ServerRequestFilter
    public Uni<Response> limit(ContainerRequestContext request, RoutingContext routing) {
        if (!enabled || !request.getUriInfo().getPath().startsWith("/api/")) {
            return null;
        }
        return identity.getDeferredIdentity().chain(who -> {
            String key = who.isAnonymous()
                    ? "rest:address:" + routing.request().remoteAddress().hostAddress()
                    : "rest:user:" + who.getPrincipal().getName();
            RateLimit limit = SessionAdmission.Limits.perMinute(config.restCallsPerMinute());
            request.setProperty(LIMIT, limit);
            return limiter.get().acquire(key, limit);
        }).map(decision -> {
            request.setProperty(DECISION, decision);
            if (decision.allowed()) {
                return (Response) null;
            }
            long seconds = SessionAdmission.Limits.seconds(decision.retryAfter());
            return Response.fromResponse(Problems.problem(429, "rate-limited", "Too many requests",
                    "more than " + config.restCallsPerMinute() + " requests a minute; retry in " + seconds + " s",
                    Map.of("retryAfterSeconds", seconds))).header("Retry-After", seconds).build();
        }).onFailure(CapacityUnavailable.class).recoverWithItem(e -> {
            LOG.debugf("REST rate limit not enforced: %s", e.getMessage());
            return null;
        });
    }

    @ServerResponseFilter
    public void headers(ContainerRequestContext request, ContainerResponseContext response) {
        if (request.getProperty(DECISION) instanceof RateDecision decision
                && request.getProperty(LIMIT) instanceof RateLimit limit) {
            response.getHeaders().putSingle("RateLimit-Limit", limit.burst());
            response.getHeaders().putSingle("RateLimit-Remaining", decision.remaining());
            response.getHeaders().putSingle("RateLimit-Reset", SessionAdmission.Limits.seconds(decision.resetAfter()));
        }
    }
}
