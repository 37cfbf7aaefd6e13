package dev.pedregal.gateway.capacity.rest;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.TreeMap;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import dev.pedregal.gateway.capacity.CapacityCalendar;
import dev.pedregal.gateway.capacity.CronExpression;
import dev.pedregal.gateway.capacity.FixedInterval;
import dev.pedregal.gateway.capacity.InvalidSchedule;
import dev.pedregal.gateway.capacity.PoolCapacities;
import dev.pedregal.gateway.capacity.PoolCapacity;
import dev.pedregal.gateway.capacity.Recurrence;
import dev.pedregal.gateway.capacity.Resources;
import dev.pedregal.gateway.capacity.Schedule;
import dev.pedregal.gateway.capacity.ScheduleCheck;
import dev.pedregal.gateway.capacity.ScheduleReport;
import dev.pedregal.gateway.capacity.Slice;
import dev.pedregal.gateway.capacity.SliceUsage;
import dev.pedregal.gateway.capacity.ledger.CapacityLedger;
import dev.pedregal.gateway.config.GatewayConfig;
import dev.pedregal.gateway.provisioning.ProvisioningFailure;
import dev.pedregal.gateway.provisioning.RestCallers;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

/**
 * Questions to the capacity calendar that are not one team's account: checking a schedule, the pools, and a
 * pool's use per slice. Errors are RFC 9457 problem details; Redis trouble is a 503 with Retry-After.
 */
@Path("/api/v1/capacity")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "capacity")
public class CapacityResource {

    private final CapacityCalendar calendar;
    private final PoolCapacities pools;
    private final CapacityLedger ledger;
    private final GatewayConfig config;
    private final RestCallers callers;
    private final SecurityIdentity identity;

    public CapacityResource(CapacityCalendar calendar, PoolCapacities pools, CapacityLedger ledger, GatewayConfig config,
            RestCallers callers, SecurityIdentity identity) {
        this.calendar = calendar;
        this.pools = pools;
        this.ledger = ledger;
        this.config = config;
        this.callers = callers;
        this.identity = identity;
    }

    @POST
    // A path parameter, because clients differ on sending ':' as is or as %3A and a literal matches only the former.
    @Path("/{operation}")
    @Operation(summary = "Check a recurring job against the calendar for the next 30 days",
            description = "Every run that would not fit, with its slices and shortfall, the nearest starts where it would, "
                    + "and the smallest shift of the whole schedule that fits. Advice, not a booking.")
    public Uni<CapacityApi.ScheduleView> validate(@PathParam("operation") String operation, CapacityApi.ValidateSchedule body) {
        if (!"schedules:validate".equals(operation)) {
            throw new ProvisioningFailure.NotFound("no operation " + operation + "; POST schedules:validate checks a schedule");
        }
        calendarOn(config);
        if (body == null) {
            throw new ProvisioningFailure.Invalid("body", "is required");
        }
        String team = CapacityRequests.team(callers.of(identity), body.team());
        PoolCapacity pool = CapacityRequests.pool(pools, ledger, body.pool(), body.environment(), body.region());
        Duration duration = CapacityRequests.runDuration("duration", body.duration());
        Resources size = new Resources(CapacityRequests.vcpuMillis("vcpu", body.vcpu()),
                CapacityRequests.memoryMib("memoryMib", body.memoryMib()));
        Instant from = body.from() != null ? body.from() : Instant.now();
        String field = body.cron() != null ? "cron" : "every";
        try {
            Schedule schedule = new Schedule(pool.pool(), team, recurrence(body, from), duration, size);
            return new ScheduleCheck(calendar).validate(schedule, from).map(CapacityResource::view);
        } catch (InvalidSchedule e) {
            throw new ProvisioningFailure.Invalid(field, e.getMessage());
        }
    }

    private static Recurrence recurrence(CapacityApi.ValidateSchedule body, Instant from) {
        if ((body.cron() == null) == (body.every() == null)) {
            throw new ProvisioningFailure.Invalid("cron", "give either cron (5 fields, UTC) or every (an interval such as 6h)");
        }
        if (body.cron() != null) {
            return CronExpression.parse(body.cron());
        }
        Duration every = dev.pedregal.gateway.provisioning.Durations.parse("every", body.every());
        Instant anchor = body.anchor() != null ? body.anchor() : Instant.ofEpochSecond(Math.floorDiv(from.getEpochSecond(), 86_400) * 86_400);
        return new FixedInterval(anchor, every);
    }

    static CapacityApi.ScheduleView view(ScheduleReport report) {
        List<CapacityApi.Conflict> conflicts = report.conflicts().stream().map(c -> new CapacityApi.Conflict(c.run(),
                c.slices().stream().map(s -> new CapacityApi.SliceShortfall(s.slice().start(), s.needed(), s.available(),
                        s.shortfall())).toList(),
                c.alternatives())).toList();
        Instant first = report.runs().isEmpty() ? null : report.runs().get(0);
        Duration offset = report.suggestedOffset().orElse(null);
        return new CapacityApi.ScheduleView(report.schedule().team(), report.schedule().pool(), report.fits(), report.from(),
                report.to(), report.runs().size(), first, conflicts, offset == null ? null : offset.toString(),
                offset == null ? null : offset.toMinutes(), offset == null || first == null ? null : first.plus(offset));
    }

    @GET
    @Path("/pools")
    @Operation(summary = "The capacity pools: region, environments and size")
    public List<CapacityApi.Pool> pools() {
        return new TreeMap<>(config.capacity().pools()).entrySet().stream()
                .filter(e -> pools.find(e.getKey()).isPresent())
                .map(e -> new CapacityApi.Pool(e.getKey(), e.getValue().region(), e.getValue().environments(),
                        pools.find(e.getKey()).get().total()))
                .toList();
    }

    @GET
    @Path("/pools/{pool}/slices")
    @Operation(summary = "A pool's use per 15-minute slice over at most 7 days (a heatmap)")
    public Uni<CapacityApi.Slices> slices(@PathParam("pool") String pool, @QueryParam("from") String fromText,
            @QueryParam("to") String toText) {
        calendarOn(config);
        callers.of(identity);
        PoolCapacity capacity = pools.find(pool).orElseThrow(() -> new ProvisioningFailure.NotFound("no capacity pool " + pool));
        Instant from = CapacityRequests.instant("from", fromText, Slice.of(Instant.now()).start());
        Instant to = CapacityRequests.instant("to", toText, from.plus(Duration.ofDays(1)));
        CapacityRequests.range(from, to);
        return calendar.slices(pool, from, to).map(cells -> new CapacityApi.Slices(pool, capacity.total(), from, to,
                cells.stream().map(CapacityResource::cell).toList()));
    }

    static CapacityApi.SliceCell cell(SliceUsage u) {
        long vcpu = u.capacity().vcpuMillis() == 0 ? 0 : u.used().vcpuMillis() * 100 / u.capacity().vcpuMillis();
        long memory = u.capacity().memoryMib() == 0 ? 0 : u.used().memoryMib() * 100 / u.capacity().memoryMib();
        return new CapacityApi.SliceCell(u.slice().start(), u.used().vcpuMillis(), u.used().memoryMib(), (int) Math.max(vcpu, memory));
    }

    /** With the calendar off nothing is reserved, so there is nothing to ask it. */
    static void calendarOn(GatewayConfig config) {
        if (!config.capacity().enabled()) {
            throw new ProvisioningFailure.Conflict("the capacity calendar is off (pedregal.capacity.enabled=false)");
        }
    }
}
