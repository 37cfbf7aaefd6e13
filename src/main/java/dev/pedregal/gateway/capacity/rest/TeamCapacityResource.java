package dev.pedregal.gateway.capacity.rest;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import jakarta.ws.rs.Consumes;
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

import dev.pedregal.gateway.capacity.CapacityCalendar;
import dev.pedregal.gateway.capacity.PoolCapacities;
import dev.pedregal.gateway.capacity.PoolCapacity;
import dev.pedregal.gateway.capacity.Resources;
import dev.pedregal.gateway.capacity.Slice;
import dev.pedregal.gateway.capacity.ledger.CapacityLedger;
import dev.pedregal.gateway.capacity.ledger.DedicatedOversold;
import dev.pedregal.gateway.capacity.ledger.PoolBalance;
import dev.pedregal.gateway.capacity.ledger.Purchase;
import dev.pedregal.gateway.capacity.ledger.PurchaseKind;
import dev.pedregal.gateway.capacity.ledger.PurchaseOrder;
import dev.pedregal.gateway.config.GatewayConfig;
import dev.pedregal.gateway.identity.AuditLog;
import dev.pedregal.gateway.identity.Caller;
import dev.pedregal.gateway.placement.PoolKey;
import dev.pedregal.gateway.provisioning.ProvisioningFailure;
import dev.pedregal.gateway.provisioning.RestCallers;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

/**
 * One team's capacity: where its work would fit, its balance and standing, and its purchases (recorded by platform
 * admins). A caller sees its own teams only (another team is a 404) unless it is a platform admin.
 */
@Path("/api/v1/teams/{team}/capacity")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "capacity")
public class TeamCapacityResource {

    private final CapacityCalendar calendar;
    private final PoolCapacities pools;
    private final CapacityLedger ledger;
    private final GatewayConfig config;
    private final RestCallers callers;
    private final SecurityIdentity identity;
    private final AuditLog audit;

    public TeamCapacityResource(CapacityCalendar calendar, PoolCapacities pools, CapacityLedger ledger,
            GatewayConfig config, RestCallers callers, SecurityIdentity identity, AuditLog audit) {
        this.calendar = calendar;
        this.pools = pools;
        this.ledger = ledger;
        this.config = config;
        this.callers = callers;
        this.identity = identity;
        this.audit = audit;
    }

    @GET
    @Path("/available-slots")
    @Operation(summary = "Start times in [from, to) (at most 7 days) at which a run of this size and duration fits now")
    public Uni<CapacityApi.Slots> availableSlots(@PathParam("team") String team, @QueryParam("from") String fromText,
            @QueryParam("to") String toText, @QueryParam("vcpu") String vcpu, @QueryParam("memory") String memory,
            @QueryParam("duration") String durationText, @QueryParam("pool") String poolName,
            @QueryParam("environment") String environment, @QueryParam("region") String region) {
        CapacityResource.calendarOn(config);
        CapacityRequests.visible(callers.of(identity), team);
        PoolCapacity pool = CapacityRequests.pool(pools, ledger, poolName, environment, region);
        Resources size = new Resources(CapacityRequests.vcpuMillis("vcpu", vcpu), CapacityRequests.memoryMib("memory", memory));
        Duration duration = CapacityRequests.runDuration("duration", durationText);
        Instant from = CapacityRequests.instant("from", fromText, Slice.of(Instant.now()).start());
        Instant to = CapacityRequests.instant("to", toText, from.plus(Duration.ofDays(1)));
        CapacityRequests.range(from, to);
        return calendar.availableSlots(pool.pool(), team, from, to, size, duration)
                .map(starts -> new CapacityApi.Slots(team, pool.pool(), size, duration.toString(), from, to, starts));
    }

    @GET
    @Path("/balance")
    @Operation(summary = "Standing, and per pool the dedicated share and the budget bought, used and left")
    public Uni<CapacityApi.Balance> balance(@PathParam("team") String team) {
        CapacityRequests.visible(callers.of(identity), team);
        Instant now = Instant.now();
        return ledger.balance(team).chain(standing -> ledger.purchases(team).map(purchases -> new CapacityApi.Balance(team,
                standing.level().name(), standing.pools().stream().map(TeamCapacityResource::account).toList(),
                purchases.stream().filter(p -> p.activeAt(now)).map(TeamCapacityResource::view).toList())));
    }

    static CapacityApi.PoolAccount account(PoolBalance b) {
        return new CapacityApi.PoolAccount(b.pool(), b.dedicated(), PoolBalance.toVcpuHours(b.boughtMcpuSeconds()),
                PoolBalance.toVcpuHours(b.usedMcpuSeconds()), PoolBalance.toVcpuHours(b.leftMcpuSeconds()), b.leftPercent(),
                b.since(), b.level().name(), b.message());
    }

    @POST
    @Path("/purchases")
    @Operation(summary = "Record a purchase (platform admins): a dedicated share or a vCPU-hour budget, for a period")
    public Uni<Response> purchase(@PathParam("team") String team, CapacityApi.NewPurchase body,
            @HeaderParam("X-Request-Id") String requestIdHeader) {
        Caller caller = callers.of(identity);
        CapacityRequests.visible(caller, team);
        if (!caller.admin()) {
            throw new ProvisioningFailure.Forbidden("only platform admins record purchases; ask one to buy capacity for team " + team);
        }
        PurchaseOrder order = CapacityRequests.purchase(team, body, pools, Instant.now());
        String requestId = RestCallers.requestId(requestIdHeader);
        return ledger.purchase(order, caller.userId())
                .onFailure(DedicatedOversold.class).transform(e -> new ProvisioningFailure.Conflict(e.getMessage()))
                .invoke(p -> audit.record(requestId, new PoolKey(team, null), caller.userId(), null, null,
                        "capacity_purchase", "ok", describe(p)))
                .map(p -> Response.created(URI.create("/api/v1/teams/" + team + "/capacity/purchases/" + p.id))
                        .entity(view(p)).build());
    }

    @GET
    @Path("/purchases")
    @Operation(summary = "The team's purchases, newest first, including ended ones")
    public Uni<List<CapacityApi.PurchaseView>> purchases(@PathParam("team") String team) {
        CapacityRequests.visible(callers.of(identity), team);
        return ledger.purchases(team).map(list -> list.stream().map(TeamCapacityResource::view).toList());
    }

    @GET
    @Path("/purchases/{id}")
    @Operation(summary = "One purchase")
    public Uni<CapacityApi.PurchaseView> purchase(@PathParam("team") String team, @PathParam("id") String id) {
        CapacityRequests.visible(callers.of(identity), team);
        UUID uuid;
        try {
            uuid = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw new ProvisioningFailure.NotFound("no purchase " + id);
        }
        return ledger.purchase(team, uuid).map(p -> view(p.orElseThrow(() -> new ProvisioningFailure.NotFound("no purchase " + id))));
    }

    static CapacityApi.PurchaseView view(Purchase p) {
        boolean dedicated = p.kind == PurchaseKind.DEDICATED;
        return new CapacityApi.PurchaseView(p.id, p.team, p.pool, p.kind.name(), dedicated ? p.share() : null,
                dedicated ? null : PoolBalance.toVcpuHours(p.budgetMcpuSeconds), p.period.name(), p.validFrom, p.validTo,
                p.createdBy, p.createdAt);
    }

    private static String describe(Purchase p) {
        return p.kind + " " + (p.kind == PurchaseKind.DEDICATED ? p.share().toString() : PoolBalance.hours(p.budgetMcpuSeconds) + " vCPU-hours")
                + " in " + p.pool + " from " + p.validFrom + " to " + p.validTo;
    }
}
