package dev.pedregal.gateway.capacity.rest;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import dev.pedregal.gateway.capacity.PoolCapacities;
import dev.pedregal.gateway.capacity.PoolCapacity;
import dev.pedregal.gateway.capacity.Resources;
import dev.pedregal.gateway.capacity.ledger.CapacityLedger;
import dev.pedregal.gateway.capacity.ledger.Period;
import dev.pedregal.gateway.capacity.ledger.PoolBalance;
import dev.pedregal.gateway.capacity.ledger.PurchaseKind;
import dev.pedregal.gateway.capacity.ledger.PurchaseOrder;
import dev.pedregal.gateway.identity.Caller;
import dev.pedregal.gateway.provisioning.Durations;
import dev.pedregal.gateway.provisioning.Names;
import dev.pedregal.gateway.provisioning.ProvisioningFailure;
import dev.pedregal.gateway.provisioning.ProvisioningFailure.FieldError;

/** Reads the capacity API's parameters; anything wrong is a 400 naming the field. */
final class CapacityRequests {

    /** Longest range of a slot search or a heatmap: a week of slices. */
    static final Duration MAX_RANGE = Duration.ofDays(7);
    /** The longest run a slot search accepts. */
    static final Duration MAX_RUN = Duration.ofDays(1);
    private static final double MAX_VCPU = 1_000_000;
    private static final double MAX_VCPU_HOURS = 1_000_000_000;

    private CapacityRequests() {
    }

    /** The caller may see the team's capacity: a member or a platform admin; anyone else gets a 404. */
    static void visible(Caller caller, String team) {
        if (!caller.admin() && !caller.teams().contains(team)) {
            throw new ProvisioningFailure.NotFound("no team " + team);
        }
    }

    /** The team a request is for: the one named, or the caller's only team. */
    static String team(Caller caller, String named) {
        if (named != null) {
            visible(caller, named);
            return named;
        }
        if (caller.teams().size() != 1) {
            throw new ProvisioningFailure.Invalid("team", caller.teams().isEmpty() ? "is required (you belong to no team)"
                    : "is required: you belong to several teams " + new java.util.TreeSet<>(caller.teams()));
        }
        return caller.teams().iterator().next();
    }

    static Instant instant(String field, String text, Instant absent) {
        if (text == null || text.isBlank()) {
            return absent;
        }
        try {
            return Instant.parse(text.trim());
        } catch (DateTimeParseException e) {
            throw new ProvisioningFailure.Invalid(field, "'" + text + "' is not an ISO-8601 instant such as 2027-03-01T10:00:00Z");
        }
    }

    /** [from, to) with to after from and at most a week apart. */
    static void range(Instant from, Instant to) {
        if (!to.isAfter(from)) {
            throw new ProvisioningFailure.Invalid("to", "must be after from (" + from + ")");
        }
        if (Duration.between(from, to).compareTo(MAX_RANGE) > 0) {
            throw new ProvisioningFailure.Invalid("to", "the range may span at most " + MAX_RANGE.toDays() + " days ("
                    + MAX_RANGE.toMinutes() / 15 + " slices) from " + from + "; ask again for the next part");
        }
    }

    static long vcpuMillis(String field, String text) {
        if (text == null || text.isBlank()) {
            throw new ProvisioningFailure.Invalid(field, "is required (vCPU, e.g. 4 or 0.5)");
        }
        try {
            return vcpuMillis(field, Double.parseDouble(text.trim()));
        } catch (NumberFormatException e) {
            throw new ProvisioningFailure.Invalid(field, "'" + text + "' is not a number of vCPU");
        }
    }

    static long vcpuMillis(String field, Double vcpu) {
        if (vcpu == null) {
            throw new ProvisioningFailure.Invalid(field, "is required (vCPU, e.g. 4 or 0.5)");
        }
        long millis = Math.round(vcpu * 1000);
        if (!(vcpu > 0) || millis <= 0 || vcpu > MAX_VCPU) {
            throw new ProvisioningFailure.Invalid(field, "must be a positive number of vCPU (at least 0.001), not " + vcpu);
        }
        return millis;
    }

    static long memoryMib(String field, String text) {
        if (text == null || text.isBlank()) {
            throw new ProvisioningFailure.Invalid(field, "is required (MiB)");
        }
        try {
            return memoryMib(field, Long.parseLong(text.trim()));
        } catch (NumberFormatException e) {
            throw new ProvisioningFailure.Invalid(field, "'" + text + "' is not a whole number of MiB");
        }
    }

    static long memoryMib(String field, Long mib) {
        if (mib == null) {
            throw new ProvisioningFailure.Invalid(field, "is required (MiB)");
        }
        if (mib <= 0) {
            throw new ProvisioningFailure.Invalid(field, "must be a positive number of MiB, not " + mib);
        }
        return mib;
    }

    static Duration runDuration(String field, String text) {
        Duration d = Durations.parse(field, text);
        if (d.compareTo(MAX_RUN) > 0) {
            throw new ProvisioningFailure.Invalid(field, "may be at most a day, not " + d);
        }
        return d;
    }

    /** The pool named, or the pool serving the environment (in the region, default the first configured). */
    static PoolCapacity pool(PoolCapacities pools, CapacityLedger ledger, String pool, String environment, String region) {
        if (pool != null) {
            return pools.find(pool).orElseThrow(() -> new ProvisioningFailure.Invalid("pool",
                    "no capacity pool '" + pool + "'; pools: " + pools.pools()));
        }
        if (environment == null) {
            throw new ProvisioningFailure.Invalid("pool", "give a pool, or an environment (and region) to find it");
        }
        Optional<String> found = ledger.poolFor(environment, region);
        return found.flatMap(pools::find).orElseThrow(() -> new ProvisioningFailure.Invalid("environment",
                "no capacity pool serves environment '" + environment + "'" + (region == null ? " in the default region" : " in region " + region)
                        + "; pools for it: " + ledger.poolsOf(environment)));
    }

    /** A purchase for {@code team} as the API received it, validated whole (every bad field named at once). */
    static PurchaseOrder purchase(String team, CapacityApi.NewPurchase body, PoolCapacities pools, Instant now) {
        if (body == null) {
            throw new ProvisioningFailure.Invalid("body", "is required");
        }
        List<FieldError> errors = new ArrayList<>();
        if (!Names.isDns1123(team)) {
            errors.add(new FieldError("team", "'" + team + "' is not a DNS-1123 label (lower-case letters, digits, '-')"));
        }
        Optional<PoolCapacity> pool = body.pool() == null ? Optional.empty() : pools.find(body.pool());
        if (body.pool() == null) {
            errors.add(new FieldError("pool", "is required"));
        } else if (pool.isEmpty()) {
            errors.add(new FieldError("pool", "no capacity pool '" + body.pool() + "'; pools: " + pools.pools()));
        }
        PurchaseKind kind = parse(PurchaseKind.class, "kind", body.kind(), errors);
        Resources share = Resources.NONE;
        long budget = 0;
        if (kind == PurchaseKind.DEDICATED) {
            share = new Resources(collect(errors, () -> vcpuMillis("vcpu", body.vcpu()), 0L),
                    collect(errors, () -> memoryMib("memoryMib", body.memoryMib()), 0L));
            if (body.vcpuHours() != null) {
                errors.add(new FieldError("vcpuHours", "is for BUDGET purchases; a DEDICATED one has vcpu and memoryMib"));
            }
            Resources total = pool.map(PoolCapacity::total).orElse(null);
            if (total != null && share.vcpuMillis() > total.vcpuMillis()) {
                errors.add(new FieldError("vcpu", "exceeds the pool's " + total.vcpuMillis() / 1000.0 + " vCPU"));
            }
            if (total != null && share.memoryMib() > total.memoryMib()) {
                errors.add(new FieldError("memoryMib", "exceeds the pool's " + total.memoryMib() + " MiB"));
            }
        } else if (kind == PurchaseKind.BUDGET) {
            if (body.vcpuHours() == null || !(body.vcpuHours() > 0) || body.vcpuHours() > MAX_VCPU_HOURS) {
                errors.add(new FieldError("vcpuHours", "must be a positive number of vCPU-hours, at most " + (long) MAX_VCPU_HOURS));
            } else {
                budget = Math.max(1, Math.round(body.vcpuHours() * PoolBalance.MCPU_SECONDS_PER_VCPU_HOUR));
            }
            if (body.vcpu() != null || body.memoryMib() != null) {
                errors.add(new FieldError(body.vcpu() != null ? "vcpu" : "memoryMib",
                        "is for DEDICATED purchases; a BUDGET one has vcpuHours"));
            }
        }
        Period period = null;
        Period.Validity validity = null;
        boolean explicit = body.validFrom() != null || body.validTo() != null;
        if (body.period() != null && explicit) {
            errors.add(new FieldError("period", "give either a period or validFrom and validTo, not both"));
        } else if (explicit) {
            if (body.validFrom() == null || body.validTo() == null) {
                errors.add(new FieldError(body.validFrom() == null ? "validFrom" : "validTo", "is required with "
                        + (body.validFrom() == null ? "validTo" : "validFrom")));
            } else if (!body.validTo().isAfter(body.validFrom())) {
                errors.add(new FieldError("validTo", "must be after validFrom (" + body.validFrom() + ")"));
            } else if (!body.validTo().isAfter(now)) {
                errors.add(new FieldError("validTo", "is in the past: a purchase must be valid at some time from now"));
            } else {
                period = Period.EXPLICIT;
                validity = new Period.Validity(body.validFrom(), body.validTo());
            }
            if (body.starting() != null) {
                errors.add(new FieldError("starting", "goes with a period, not with validFrom and validTo"));
            }
        } else if (body.period() == null) {
            errors.add(new FieldError("period", "is required: DAILY, MONTHLY or YEARLY (or give validFrom and validTo)"));
        } else {
            period = parse(Period.class, "period", body.period(), errors);
            if (period == Period.EXPLICIT) {
                errors.add(new FieldError("period", "EXPLICIT is implied by validFrom and validTo; give those instead"));
            } else if (period != null) {
                LocalDate first = body.starting() != null ? body.starting() : now.atZone(ZoneOffset.UTC).toLocalDate();
                validity = period.from(first);
                if (!validity.to().isAfter(now)) {
                    errors.add(new FieldError("starting", "the " + period + " period from " + first + " has already ended"));
                }
            }
        }
        if (!errors.isEmpty()) {
            throw new ProvisioningFailure.Invalid(errors);
        }
        return new PurchaseOrder(team, body.pool(), kind, share, budget, period, validity);
    }

    private static <E extends Enum<E>> E parse(Class<E> type, String field, String text, List<FieldError> errors) {
        List<String> names = java.util.Arrays.stream(type.getEnumConstants()).map(Enum::name).toList();
        if (text == null) {
            errors.add(new FieldError(field, "is required: one of " + names));
            return null;
        }
        try {
            return Enum.valueOf(type, text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            errors.add(new FieldError(field, "'" + text + "' is not one of " + names));
            return null;
        }
    }

    private static <T> T collect(List<FieldError> errors, java.util.function.Supplier<T> parse, T otherwise) {
        try {
            return parse.get();
        } catch (ProvisioningFailure.Invalid invalid) {
            errors.addAll(invalid.errors);
            return otherwise;
        }
    }
}
