package dev.pedregal.gateway.jobs.executions;

import java.time.Duration;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import dev.pedregal.gateway.jobs.ExecutionState;
import dev.pedregal.gateway.jobs.JobHistory;
import dev.pedregal.gateway.jobs.PastRun;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.panache.common.Page;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;

/** Finished executions of a job (team and name), newest first, from the executions table. */
@ApplicationScoped
public class ExecutionHistory implements JobHistory {

    private static final List<ExecutionState> FINISHED = List.of(ExecutionState.SUCCEEDED, ExecutionState.FAILED,
            ExecutionState.CANCELLED, ExecutionState.TIMED_OUT, ExecutionState.DEAD_LETTER);

    private final ExecutionStore store;
    private final DatabaseContext database;

    public ExecutionHistory(ExecutionStore store, DatabaseContext database) {
        this.store = store;
        this.database = database;
    }

    @Override
    public Uni<List<PastRun>> recent(String team, String jobName, int limit) {
        return database.run(() -> Panache.withSession(() -> Execution.<Execution> find(
                "team = ?1 and name = ?2 and state in ?3 and finishedAt is not null",
                Sort.descending("finishedAt", "id"), team, jobName, FINISHED).page(Page.ofSize(Math.max(1, limit)))
                .list()))
                .map(rows -> rows.stream().map(e -> new PastRun(e.id.toString(), e.state, e.finishedAt,
                        Duration.between(e.startedAt != null ? e.startedAt : e.submittedAt, e.finishedAt),
                        store.job(e).sparkConf(), 0)).toList());
    }
}
