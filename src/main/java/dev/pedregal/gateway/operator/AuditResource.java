package dev.pedregal.gateway.operator;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import dev.pedregal.gateway.identity.AuditEvent;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.panache.common.Page;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;

/** The audit trail for platform admins (all of {@code /api/*} requires the platform-admin group). Newest first. */
@Path("/api/v1/audit")
@Produces(MediaType.APPLICATION_JSON)
public class AuditResource {

    @GET
    @WithSession
    public Uni<List<AuditEvent>> list(@QueryParam("team") String team, @QueryParam("user") String user,
            @QueryParam("session") String session, @QueryParam("action") String action,
            @QueryParam("outcome") String outcome, @QueryParam("reason") String reason,
            @QueryParam("from") String from, @QueryParam("to") String to,
            @QueryParam("page") @DefaultValue("0") int page, @QueryParam("size") @DefaultValue("100") int size) {
        if (page < 0 || size < 1 || size > 1000) {
            throw new BadRequestException("page must be >= 0 and size between 1 and 1000");
        }
        List<String> where = new ArrayList<>();
        Map<String, Object> params = new HashMap<>();
        filter(where, params, "team", team);
        filter(where, params, "userId", user);
        filter(where, params, "sessionId", session);
        filter(where, params, "action", action);
        filter(where, params, "outcome", outcome);
        filter(where, params, "reason", reason);
        if (from != null) {
            where.add("at >= :from");
            params.put("from", instant("from", from));
        }
        if (to != null) {
            where.add("at < :to");
            params.put("to", instant("to", to));
        }
        String query = String.join(" and ", where);
        return AuditEvent.<AuditEvent> find(query, Sort.descending("at", "id"), params).page(Page.of(page, size)).list();
    }

    private static void filter(List<String> where, Map<String, Object> params, String field, String value) {
        if (value != null && !value.isBlank()) {
            where.add(field + " = :" + field);
            params.put(field, value);
        }
    }

    private static Instant instant(String name, String value) {
        try {
            return Instant.parse(value);
        } catch (RuntimeException e) {
            throw new BadRequestException(name + " must be an ISO-8601 instant, e.g. 2026-11-23T00:00:00Z");
        }
    }
}
