package dev.pedregal.gateway.provisioning;

import java.net.URI;
import java.util.UUID;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
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

import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

/**
 * Self-service Spark Connect clusters. Team members create, see, scale and delete their team's clusters;
 * platform admins see all. Another team's cluster is a 404. Errors are RFC 9457 problem details.
 */
@Path("/api/v1/clusters")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "clusters")
public class ClusterResource {

    private final ClusterService clusters;
    private final ClusterLifecycle lifecycle;
    private final RestCallers callers;
    private final SecurityIdentity identity;

    public ClusterResource(ClusterService clusters, ClusterLifecycle lifecycle, RestCallers callers,
            SecurityIdentity identity) {
        this.clusters = clusters;
        this.lifecycle = lifecycle;
        this.callers = callers;
        this.identity = identity;
    }

    @POST
    @Operation(summary = "Create a cluster", description = "Idempotent with an Idempotency-Key header: a repeat returns "
            + "the cluster the first request created (200) instead of creating another (201).")
    public Uni<Response> create(ClusterApi.CreateCluster request, @HeaderParam("Idempotency-Key") String idempotencyKey,
            @HeaderParam("X-Request-Id") String requestId) {
        if (idempotencyKey != null && (idempotencyKey.isBlank() || idempotencyKey.length() > 200)) {
            throw new ProvisioningFailure.Invalid("Idempotency-Key", "must be 1 to 200 characters");
        }
        return clusters.create(request, idempotencyKey, callers.of(identity), RestCallers.requestId(requestId))
                .map(outcome -> Response.status(outcome.created() ? 201 : 200)
                        .location(URI.create("/api/v1/clusters/" + outcome.cluster().id))
                        .entity(lifecycle.view(outcome.cluster())).build());
    }

    @GET
    @Operation(summary = "List the caller's teams' clusters, newest first")
    public Uni<ClusterApi.ClusterPage> list(@QueryParam("team") String team, @QueryParam("environment") String environment,
            @QueryParam("state") String state, @QueryParam("page") @DefaultValue("0") int page,
            @QueryParam("size") @DefaultValue("50") int size) {
        return clusters.list(callers.of(identity), team, environment, state, page, size);
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "A cluster, with its state, endpoint and ready drivers")
    public Uni<ClusterApi.Cluster> get(@PathParam("id") String id, @HeaderParam("X-Request-Id") String requestId) {
        return clusters.get(uuid(id), callers.of(identity), RestCallers.requestId(requestId)).map(lifecycle::view);
    }

    @DELETE
    @Path("/{id}")
    @Operation(summary = "Delete a cluster: its drivers stop and its sessions are told at their next call")
    public Uni<Response> delete(@PathParam("id") String id, @HeaderParam("X-Request-Id") String requestId) {
        return clusters.delete(uuid(id), callers.of(identity), RestCallers.requestId(requestId))
                .map(c -> Response.accepted(lifecycle.view(c)).build());
    }

    @POST
    @Path("/{id}/scale")
    @Operation(summary = "Change the warm, minimum and maximum drivers")
    public Uni<Response> scale(@PathParam("id") String id, ClusterApi.Scale request,
            @HeaderParam("X-Request-Id") String requestId) {
        return clusters.scale(uuid(id), request, callers.of(identity), RestCallers.requestId(requestId))
                .map(c -> Response.accepted(lifecycle.view(c)).build());
    }

    @POST
    @Path("/{id}/ttl")
    @Operation(summary = "Extend the cluster's TTL")
    public Uni<ClusterApi.Cluster> extend(@PathParam("id") String id, ClusterApi.ExtendTtl request,
            @HeaderParam("X-Request-Id") String requestId) {
        return clusters.extend(uuid(id), request, callers.of(identity), RestCallers.requestId(requestId))
                .map(lifecycle::view);
    }

    private static UUID uuid(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw new ProvisioningFailure.NotFound("no cluster " + id);
        }
    }
}
