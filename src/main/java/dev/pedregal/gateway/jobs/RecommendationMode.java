package dev.pedregal.gateway.jobs;

/** Whether a job asks the recommendation provider before submit, and what is done with the answer. */
public enum RecommendationMode {
    /** Not asked (the default). */
    OFF,
    /** Asked; the recommendation is returned and logged, the job runs as submitted. */
    SUGGEST,
    /** Asked; recommended settings are applied where the user set nothing. */
    APPLY
}
