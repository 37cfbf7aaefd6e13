package dev.pedregal.gateway.provisioning;

import java.util.List;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import dev.pedregal.gateway.identity.AuditLog;
import dev.pedregal.gateway.identity.Caller;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

/** Cluster templates: everyone reads them; platform admins add, replace and remove custom ones. */
@Path("/api/v1/templates")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "templates")
public class TemplateResource {

    private final Templates templates;
    private final RestCallers callers;
    private final SecurityIdentity identity;
    private final AuditLog audit;

    public TemplateResource(Templates templates, RestCallers callers, SecurityIdentity identity, AuditLog audit) {
        this.templates = templates;
        this.callers = callers;
        this.identity = identity;
        this.audit = audit;
    }

    @GET
    @WithSession
    @Operation(summary = "Every template: the built-in sizes, then custom ones")
    public Uni<List<ClusterTemplate>> list() {
        callers.of(identity);
        return templates.all();
    }

    @GET
    @Path("/{name}")
    @WithSession
    public Uni<ClusterTemplate> get(@PathParam("name") String name) {
        callers.of(identity);
        return templates.find("name", name).onFailure(ProvisioningFailure.Invalid.class)
                .transform(f -> new ProvisioningFailure.NotFound("no template '" + name + "'"));
    }

    @PUT
    @Path("/{name}")
    @WithTransaction
    @Operation(summary = "Add or replace a custom template (platform admins)")
    public Uni<ClusterTemplate> put(@PathParam("name") String name, ClusterTemplate body) {
        Caller admin = admin("template_put", name);
        return templates.save(name, body, admin.userId())
                .invoke(t -> audit.record(RestCallers.requestId(null), null, admin.userId(), null, null, "template_put", "ok",
                        name));
    }

    @DELETE
    @Path("/{name}")
    @WithTransaction
    @Operation(summary = "Remove a custom template (platform admins); clusters made from it keep their shape")
    public Uni<Response> delete(@PathParam("name") String name) {
        Caller admin = admin("template_delete", name);
        return templates.delete(name).map(deleted -> {
            if (!deleted) {
                throw new ProvisioningFailure.NotFound("no custom template '" + name + "'");
            }
            audit.record(RestCallers.requestId(null), null, admin.userId(), null, null, "template_delete", "ok", name);
            return Response.noContent().build();
        });
    }

    private Caller admin(String action, String name) {
        Caller caller = callers.of(identity);
        if (!caller.admin()) {
            audit.record(RestCallers.requestId(null), null, caller.userId(), null, null, action, "denied", name);
            throw new ProvisioningFailure.Forbidden("only platform admins manage templates");
        }
        return caller;
    }
}
