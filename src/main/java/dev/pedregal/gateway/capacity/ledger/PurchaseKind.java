package dev.pedregal.gateway.capacity.ledger;

/** What a team bought in a pool. */
public enum PurchaseKind {
    /** A guaranteed share: vCPU and memory in every slice of its validity; it caps the team in that pool. */
    DEDICATED,
    /** vCPU-hours, charged by the actual runtime of the team's sessions, clusters and jobs. */
    BUDGET
}
