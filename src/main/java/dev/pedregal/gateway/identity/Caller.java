package dev.pedregal.gateway.identity;

import java.time.Instant;
import java.util.Set;

/**
 * Who is calling, as the validated token says.
 *
 * @param userId the id stamped into every forwarded request ({@code pedregal.identity.user-claim})
 * @param teams teams the caller belongs to, from its groups
 * @param admin member of the platform-admin group
 * @param expiresAt when the token stops being valid
 * @param clientId the OAuth client the token was issued to ({@code azp})
 */
public record Caller(String userId, Set<String> teams, boolean admin, Instant expiresAt, String clientId) {
}
