package dev.pedregal.gateway.admission;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;

/**
 * Whether a team may start new work: a team whose vCPU-hour budget is used up is suspended (new sessions, clusters
 * and jobs are refused with a clear message; running ones continue).
 */
@ApplicationScoped
public class Standings {

    /** Completes when the team may start new work; fails with a {@code GatewayFailure.Suspended} otherwise. */
    public Uni<Void> requireActive(String team) {
        return Uni.createFrom().voidItem();
    }
}
