package dev.pedregal.gateway.connect;

/**
 * What the gateway reads of a request: the session it belongs to, the client's user id and, where the
 * method has one, the operation id. Everything else stays opaque bytes.
 *
 * @param sessionId the {@code session_id} (field 1); never null, possibly empty
 * @param userId {@code user_context.user_id} (field 2.1); empty when absent
 * @param operationId the operation id, null when absent
 * @param userContextOffset byte offset of the user_context field's tag in the message, -1 when absent
 * @param userContextLength bytes of the whole user_context field (tag, length and body)
 * @param releaseAll for ReleaseExecute: true when it releases the whole operation ({@code release_all})
 * @param reattachable for ExecutePlan: true when the client asked for a reattachable execution
 */
public record RoutingFields(String sessionId, String userId, String operationId, int userContextOffset,
        int userContextLength, boolean releaseAll, boolean reattachable) {
}
