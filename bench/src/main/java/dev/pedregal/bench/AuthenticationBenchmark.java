package dev.pedregal.bench;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.inject.Instance;

import org.eclipse.microprofile.jwt.JsonWebToken;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import dev.pedregal.gateway.config.GatewayConfig;
import dev.pedregal.gateway.connect.ConnectHeaders;
import dev.pedregal.gateway.identity.Authenticator;
import dev.pedregal.gateway.identity.Caller;
import io.grpc.Metadata;
import io.quarkus.oidc.TenantIdentityProvider;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;

/**
 * The per-RPC cost of authentication once a session's token has been validated: the gateway's own
 * {@link Authenticator}, built outside Quarkus, answering a token it has cached (the path every RPC after a
 * session's first takes). OIDC validation itself is stubbed — it runs only for a token's first RPC. The
 * baseline reads the header alone, so the difference is what the cache lookup and expiry check cost.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class AuthenticationBenchmark {

    private Authenticator authenticator;
    private Metadata headers;

    @Setup
    public void setUp() {
        authenticator = new Authenticator(config(), oidc(), 30);
        headers = new Metadata();
        headers.put(ConnectHeaders.AUTHORIZATION, "Bearer " + jwtShapedToken());
        // The first RPC of the token goes through (stubbed) validation and fills the cache.
        Caller caller = authenticator.authenticate(headers).await().atMost(Duration.ofSeconds(5));
        if (!"alice".equals(caller.userId())) {
            throw new IllegalStateException("unexpected caller " + caller);
        }
    }

    @Benchmark
    public void cachedToken(Blackhole hole) {
        authenticator.authenticate(headers).subscribe().with(hole::consume, hole::consume);
    }

    @Benchmark
    public String headerLookupOnly() {
        return headers.get(ConnectHeaders.AUTHORIZATION);
    }

    /** A token of the size Okta issues with a dozen groups: about 1.2 KB of base64url. */
    private static String jwtShapedToken() {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String header = b64.encodeToString("{\"alg\":\"RS256\",\"kid\":\"bench\",\"typ\":\"JWT\"}".getBytes());
        String body = b64.encodeToString(("{\"iss\":\"https://idp.example/realms/pedregal\",\"aud\":\"spark-gateway\","
                + "\"preferred_username\":\"alice\",\"groups\":[" + "\"spark-team-analytics\",".repeat(12)
                + "\"spark-team-marketing\"],\"exp\":" + Instant.now().plusSeconds(3600).getEpochSecond() + "}").getBytes());
        return header + "." + body + "." + b64.encodeToString(new byte[256]);
    }

    private static GatewayConfig config() {
        Object identity = stub(GatewayConfig.Identity.class, Map.of(
                "mode", GatewayConfig.Identity.Mode.OIDC,
                "userClaim", "preferred_username",
                "groupsClaim", "groups",
                "teamGroupPrefix", "spark-team-",
                "adminGroup", "spark-platform-admins",
                "serviceAccounts", Map.of(),
                "teams", Map.of(),
                "defaultEnvironments", List.of("dev"),
                "tokenCacheSize", 10_000));
        return stub(GatewayConfig.class, Map.of("identity", identity, "environments", Map.of()));
    }

    @SuppressWarnings("unchecked")
    private static Instance<TenantIdentityProvider> oidc() {
        long expires = Instant.now().plusSeconds(3600).getEpochSecond();
        JsonWebToken jwt = stub(JsonWebToken.class, Map.of(
                "getName", "alice",
                "getSubject", "alice",
                "getExpirationTime", expires));
        JsonWebToken claims = (JsonWebToken) Proxy.newProxyInstance(JsonWebToken.class.getClassLoader(),
                new Class<?>[] { JsonWebToken.class }, (proxy, method, args) -> switch (method.getName()) {
                    case "getClaim" -> Map.of("preferred_username", "alice", "groups", List.of("spark-team-analytics"))
                            .get((String) args[0]);
                    default -> method.invoke(jwt, args);
                });
        TenantIdentityProvider provider = token -> Uni.createFrom()
                .item(QuarkusSecurityIdentity.builder().setPrincipal(claims).build());
        return stub(Instance.class, Map.of("get", provider));
    }

    /** An interface whose methods answer from a map by name; unknown ones answer empty. */
    @SuppressWarnings("unchecked")
    private static <T> T stub(Class<T> type, Map<String, Object> answers) {
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] { type }, (proxy, method, args) -> {
            Object answer = answers.get(method.getName());
            if (answer != null) {
                return answer;
            }
            return method.getReturnType() == Optional.class ? Optional.empty() : null;
        });
    }
}
