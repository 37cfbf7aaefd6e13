package dev.pedregal.gateway.identity;

import dev.pedregal.gateway.connect.ConnectHeaders;
import java.util.List;
import java.util.TreeSet;

import jakarta.enterprise.context.ApplicationScoped;

import dev.pedregal.gateway.config.GatewayConfig;
import dev.pedregal.gateway.placement.PoolKey;
import io.grpc.Metadata;

/**
 * Which team and environment a call is for: what the client asked for (connection-string parameters
 * {@code ;x-spark-team=…;x-spark-env=…}, arriving as metadata) or the only choice there is — and only ever a
 * team the caller belongs to. Never a default tenant.
 */
@ApplicationScoped
public class TeamResolver {

    private final GatewayConfig.Identity config;

    public TeamResolver(GatewayConfig config) {
        this.config = config.identity();
    }

    public PoolKey resolve(Caller caller, Metadata headers) {
        String team = headers.get(ConnectHeaders.TEAM);
        if (team == null || team.isBlank()) {
            if (caller.teams().size() != 1) {
                throw IdentityFailure.notInTeam(caller.userId(), caller.teams().isEmpty()
                        ? "user " + caller.userId() + " belongs to no Spark team: ask to be added to a group named "
                                + config.teamGroupPrefix() + "<team>"
                        : "user " + caller.userId() + " belongs to several teams " + new TreeSet<>(caller.teams())
                                + ": choose one with ;x-spark-team=<team> in the connection string");
            }
            team = caller.teams().iterator().next();
        } else {
            requireMember(caller, team);
        }
        List<String> environments = environments(team);
        String environment = headers.get(ConnectHeaders.ENVIRONMENT);
        if (environment == null || environment.isBlank()) {
            environment = environments.get(0);
        } else if (!environments.contains(environment)) {
            throw IdentityFailure.notInTeam(caller.userId(), "team '" + team + "' has no environment '" + environment
                    + "'; it may use " + environments);
        }
        return new PoolKey(team, environment);
    }

    /** Refuses a caller outside the team, naming the group that would let them in. */
    public void requireMember(Caller caller, String team) {
        if (!caller.teams().contains(team)) {
            throw IdentityFailure.notInTeam(caller.userId(), "user " + caller.userId() + " is not a member of team '" + team
                    + "' (missing group " + config.teamGroupPrefix() + team + ")");
        }
    }

    /** The environments a team may reach; the first is its default. */
    public List<String> environments(String team) {
        GatewayConfig.Identity.Team configured = config.teams().get(team);
        return configured != null && configured.environments().isPresent() && !configured.environments().get().isEmpty()
                ? configured.environments().get()
                : config.defaultEnvironments();
    }
}
