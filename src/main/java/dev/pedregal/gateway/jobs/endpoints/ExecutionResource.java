package dev.pedregal.gateway.jobs.endpoints;

import java.net.URI;
import java.util.List;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import dev.pedregal.gateway.jobs.JobSpec;
import dev.pedregal.gateway.jobs.executions.ExecutionView;
import dev.pedregal.gateway.jobs.executions.JobService;
import dev.pedregal.gateway.provisioning.ProvisioningFailure;
import dev.pedregal.gateway.provisioning.RestCallers;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

/**
 * Batch job executions over REST: the same operations as the gRPC Jobs service. A team sees and cancels only its
 * own executions (another team's is a 404); errors are RFC 9457 problem details.
 */
@Path("/api/v1/executions")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "executions")
public class ExecutionResource {

    /** A submit's answer: the execution and the resolution warnings. */
    public record SubmitAnswer(ExecutionView execution, List<String> warnings) {
    }

    public record Cancel(String reason) {
    }

    private final JobService jobs;
    private final RestCallers callers;
    private final SecurityIdentity identity;

    public ExecutionResource(JobService jobs, RestCallers callers, SecurityIdentity identity) {
        this.jobs = jobs;
        this.callers = callers;
        this.identity = identity;
    }

    @POST
    @Operation(summary = "Submit a job", description = "Idempotent with an Idempotency-Key header (per team): a repeat "
            + "returns the execution the first request created (200) instead of starting another (201).")
    public Uni<Response> submit(JobSpec spec, @HeaderParam("Idempotency-Key") String idempotencyKey,
            @HeaderParam("X-Request-Id") String requestId) {
        if (spec == null) {
            throw new ProvisioningFailure.Invalid("body", "is required: a JobSpec");
        }
        if (idempotencyKey != null && (idempotencyKey.isBlank() || idempotencyKey.length() > 200)) {
            throw new ProvisioningFailure.Invalid("Idempotency-Key", "must be 1 to 200 characters");
        }
        return jobs.submit(spec, idempotencyKey, callers.of(identity), RestCallers.requestId(requestId))
                .map(s -> Response.status(s.created() ? 201 : 200)
                        .location(URI.create("/api/v1/executions/" + s.execution().id()))
                        .entity(new SubmitAnswer(s.execution(), s.warnings())).build());
    }

    @GET
    @Operation(summary = "The caller's teams' executions, newest first", description = "Filters: state, name (the "
            + "job's), environment, team, and from/to (ISO-8601 instants) on the submit time.")
    public Uni<JobService.ExecutionPage> list(@QueryParam("state") String state, @QueryParam("name") String name,
            @QueryParam("environment") String environment, @QueryParam("team") String team,
            @QueryParam("from") String from, @QueryParam("to") String to,
            @QueryParam("page") @DefaultValue("0") int page, @QueryParam("size") @DefaultValue("50") int size) {
        return jobs.list(callers.of(identity), team, state, name, environment, from, to, page, size);
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "An execution: state, attempt, timestamps, Spark UI and logs links, failure and hint")
    public Uni<ExecutionView> get(@PathParam("id") String id, @HeaderParam("X-Request-Id") String requestId) {
        return jobs.check(id, callers.of(identity), RestCallers.requestId(requestId));
    }

    @POST
    @Path("/{id}/cancel")
    @Operation(summary = "Cancel an execution: its run is stopped; cancelling a finished one is a 409")
    public Uni<ExecutionView> cancel(@PathParam("id") String id, Cancel request,
            @HeaderParam("X-Request-Id") String requestId) {
        return jobs.cancel(id, request == null ? null : request.reason(), callers.of(identity),
                RestCallers.requestId(requestId));
    }

    @GET
    @Path("/{id}/logs")
    @Operation(summary = "The last driver log lines of the execution's current (or last) attempt")
    public Uni<JobService.Logs> logs(@PathParam("id") String id, @QueryParam("lines") @DefaultValue("200") int lines,
            @HeaderParam("X-Request-Id") String requestId) {
        return jobs.logs(id, lines, callers.of(identity), RestCallers.requestId(requestId));
    }

    @GET
    @Path("/{id}/events")
    @Operation(summary = "Every state change of the execution, oldest first")
    public Uni<List<JobService.EventView>> events(@PathParam("id") String id,
            @HeaderParam("X-Request-Id") String requestId) {
        return jobs.events(id, callers.of(identity), RestCallers.requestId(requestId));
    }
}
