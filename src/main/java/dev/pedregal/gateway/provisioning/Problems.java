package dev.pedregal.gateway.provisioning;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;

import io.vertx.pgclient.PgException;

/**
 * The one place control-plane failures become HTTP responses: RFC 9457 problem details
 * ({@code application/problem+json}) with the facts a caller can act on.
 */
public class Problems {

    private static final Logger LOG = Logger.getLogger(Problems.class);
    public static final String MEDIA_TYPE = "application/problem+json";
    private static final String TYPE_BASE = "https://pedregal.dev/problems/";

    @ServerExceptionMapper
    public Response provisioning(ProvisioningFailure failure) {
        if (failure instanceof ProvisioningFailure.Invalid invalid) {
            return problem(400, "invalid-request", "The request is invalid", failure.getMessage(),
                    Map.of("errors", invalid.errors));
        }
        if (failure instanceof ProvisioningFailure.NotFound) {
            return problem(404, "not-found", "Not found", failure.getMessage(), Map.of());
        }
        if (failure instanceof ProvisioningFailure.Forbidden) {
            return problem(403, "forbidden", "Forbidden", failure.getMessage(), Map.of());
        }
        if (failure instanceof ProvisioningFailure.QuotaExceeded q) {
            return problem(409, "quota-exceeded", "Quota exceeded", failure.getMessage(),
                    Map.of("quota", q.quota, "limit", q.limit, "used", q.used, "requested", q.requested));
        }
        if (failure instanceof ProvisioningFailure.CapacityShort c) {
            if (c.retryAfter == null) {
                return problem(409, "capacity-exhausted", "Not enough capacity", failure.getMessage(), Map.of());
            }
            return Response.fromResponse(problem(429, "capacity-exhausted", "Not enough capacity now",
                    failure.getMessage(), Map.of("retryAfterSeconds", Math.max(1, c.retryAfter.toSeconds()))))
                    .header("Retry-After", Math.max(1, c.retryAfter.toSeconds())).build();
        }
        if (failure instanceof ProvisioningFailure.Unavailable u) {
            return Response.fromResponse(problem(503, "unavailable", "Temporarily unavailable", failure.getMessage(),
                    Map.of())).header("Retry-After", Math.max(1, u.retryAfter.toSeconds())).build();
        }
        return problem(409, "conflict", "Conflict", failure.getMessage(), Map.of());
    }

    /** Batch jobs: an invalid spec (the image allowlist included) is a 400; an event the execution cannot take, 409. */
    @ServerExceptionMapper
    public Response job(dev.pedregal.gateway.jobs.JobFailure failure) {
        if (failure instanceof dev.pedregal.gateway.jobs.JobFailure.Invalid invalid) {
            return problem(400, "invalid-request", "The request is invalid", failure.getMessage(),
                    Map.of("errors", invalid.errors));
        }
        return problem(409, "conflict", "Conflict", failure.getMessage(), Map.of());
    }

    /** The capacity calendar (Redis) cannot answer: nothing was decided; retry after the hint. */
    @ServerExceptionMapper
    public Response capacity(dev.pedregal.gateway.capacity.CapacityUnavailable e) {
        LOG.warnf("Capacity unavailable: %s", e.getMessage());
        return Response.fromResponse(problem(503, "capacity-unavailable", "Capacity temporarily unavailable",
                e.getMessage(), Map.of())).header("Retry-After", Math.max(1, e.retryAfter().toSeconds())).build();
    }

    /** A body that is not JSON, has a field of the wrong type, or a field the API does not have. */
    @ServerExceptionMapper
    public Response unreadable(JsonProcessingException e) {
        String field = "body";
        if (e instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
            field = String.join(".", mapping.getPath().stream()
                    .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]").toList());
        }
        String message = e instanceof UnrecognizedPropertyException ? "unknown field"
                : e instanceof JsonMappingException ? "has the wrong type or format" : "is not valid JSON";
        return problem(400, "invalid-request", "The request is invalid", field + ": " + message,
                Map.of("errors", List.of(new ProvisioningFailure.FieldError(field, message))));
    }

    /** More specific than Quarkus's own mappers for these, which answer in plain JSON. */
    @ServerExceptionMapper
    public Response mismatched(com.fasterxml.jackson.databind.exc.MismatchedInputException e) {
        return unreadable(e);
    }

    @ServerExceptionMapper
    public Response unknownField(UnrecognizedPropertyException e) {
        return unreadable(e);
    }

    /** The database is down or failing over: the write did not happen; the caller may retry. */
    @ServerExceptionMapper
    public Response database(io.vertx.core.impl.NoStackTraceThrowable e) {
        return unavailableDatabase(e);
    }

    @ServerExceptionMapper
    public Response database(java.net.ConnectException e) {
        return unavailableDatabase(e);
    }

    @ServerExceptionMapper
    public Response database(PgException e) {
        LOG.warnf("Database error: %s", e.getMessage());
        return Response.fromResponse(problem(503, "unavailable", "Temporarily unavailable",
                "the database refused the request; retry shortly", Map.of()))
                .header("Retry-After", DatabaseFailures.RETRY_AFTER.toSeconds()).build();
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        return problem(status, status == 404 ? "not-found" : "http-" + status,
                Response.Status.fromStatusCode(status) != null ? Response.Status.fromStatusCode(status).getReasonPhrase()
                        : "Error", e.getMessage(), Map.of());
    }

    private static Response unavailableDatabase(Throwable e) {
        LOG.warnf("Database unavailable: %s", e.getMessage());
        return Response.fromResponse(problem(503, "unavailable", "Temporarily unavailable",
                "the control-plane database is unavailable; retry shortly", Map.of()))
                .header("Retry-After", DatabaseFailures.RETRY_AFTER.toSeconds()).build();
    }

    public static Response problem(int status, String type, String title, String detail, Map<String, Object> extra) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", TYPE_BASE + type);
        body.put("title", title);
        body.put("status", status);
        body.put("detail", detail);
        body.putAll(extra);
        return Response.status(status).type(MEDIA_TYPE).entity(body).build();
    }
}
