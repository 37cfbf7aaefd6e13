package dev.pedregal.gateway.jobs.kubernetes;

/**
 * A SparkApplication of the run's name exists but belongs to another execution or attempt: starting would adopt
 * someone else's run, so it is refused. Run names embed the execution id, so this means a collision of job name
 * and id prefix, or a resource created by hand.
 */
public final class RunNameTaken extends RuntimeException {

    public RunNameTaken(String namespace, String name, String foundRun, String wantedRun) {
        super("SparkApplication " + namespace + "/" + name + " already exists for run " + foundRun + ", not " + wantedRun);
    }
}
