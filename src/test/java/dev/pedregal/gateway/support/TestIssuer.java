package dev.pedregal.gateway.support;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jwk.RsaJwkGenerator;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.lang.JoseException;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A minimal OIDC provider for the faults a real IdP cannot be made to show on demand: rotating its signing
 * key, going down, counting JWKS fetches, and minting tokens with chosen {@code kid}, {@code nbf},
 * {@code iat} or no {@code exp}. It publishes discovery and JWKS like Okta or Keycloak do.
 *
 * <p>The server runs inside the test resource; tests drive it over HTTP ({@code /admin/*}) with the static
 * methods here, because the resource and the test class live in different class loaders.
 */
public class TestIssuer implements QuarkusTestResourceLifecycleManager {

    public static final int PORT = 19380;
    public static final String ISSUER = "http://127.0.0.1:" + PORT + "/oauth2/test";
    public static final String AUDIENCE = "spark-gateway";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private HttpServer server;
    private final List<RsaJsonWebKey> published = new ArrayList<>();
    private volatile RsaJsonWebKey signing;
    private final AtomicInteger jwksFetches = new AtomicInteger();
    private volatile boolean down;

    @Override
    public Map<String, String> start() {
        try {
            rotate();
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", PORT), 64);
        } catch (IOException | JoseException e) {
            throw new IllegalStateException("test issuer could not start on " + PORT, e);
        }
        server.createContext("/oauth2/test/.well-known/openid-configuration", x -> {
            if (!refuseWhenDown(x)) {
                reply(x, 200, "{\"issuer\":\"" + ISSUER + "\",\"jwks_uri\":\"" + ISSUER + "/keys\","
                        + "\"token_endpoint\":\"" + ISSUER + "/token\",\"id_token_signing_alg_values_supported\":[\"RS256\"]}");
            }
        });
        server.createContext("/oauth2/test/keys", x -> {
            if (!refuseWhenDown(x)) {
                jwksFetches.incrementAndGet();
                reply(x, 200, new JsonWebKeySet(List.<JsonWebKey>copyOf(published))
                        .toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY));
            }
        });
        server.createContext("/admin/", this::admin);
        server.start();
        return Map.of("quarkus.oidc.auth-server-url", ISSUER);
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private synchronized void rotate() throws JoseException {
        RsaJsonWebKey key = RsaJwkGenerator.generateJwk(2048);
        key.setKeyId("k" + (published.size() + 1));
        key.setAlgorithm(AlgorithmIdentifiers.RSA_USING_SHA256);
        key.setUse("sig");
        published.add(key);
        signing = key;
    }

    private boolean refuseWhenDown(HttpExchange x) throws IOException {
        if (down) {
            reply(x, 503, "{\"error\":\"down\"}");
        }
        return down;
    }

    private void admin(HttpExchange x) throws IOException {
        String action = x.getRequestURI().getPath().substring("/admin/".length());
        Map<String, String> q = query(x.getRequestURI().getRawQuery());
        try {
            switch (action) {
                case "rotate" -> {
                    rotate();
                    reply(x, 200, signing.getKeyId());
                }
                case "down" -> {
                    down = Boolean.parseBoolean(q.getOrDefault("on", "true"));
                    reply(x, 200, String.valueOf(down));
                }
                case "fetches" -> reply(x, 200, String.valueOf(jwksFetches.get()));
                case "mint" -> reply(x, 200, mint(q));
                default -> reply(x, 404, "unknown action " + action);
            }
        } catch (JoseException e) {
            reply(x, 500, e.toString());
        }
    }

    /** Query: user, groups (comma separated), kid, and times relative to now in seconds: exp, nbf, iat. */
    private String mint(Map<String, String> q) throws JoseException {
        long now = Instant.now().getEpochSecond();
        JwtClaims claims = new JwtClaims();
        claims.setIssuer(ISSUER);
        claims.setAudience(AUDIENCE);
        String user = q.getOrDefault("user", "alice");
        claims.setSubject("sub-" + user);
        claims.setClaim("preferred_username", user);
        claims.setClaim("azp", "pyspark-cli");
        claims.setGeneratedJwtId();
        if (!q.getOrDefault("groups", "").isEmpty()) {
            claims.setStringListClaim("groups", List.of(q.get("groups").split(",")));
        }
        if (!"none".equals(q.get("exp"))) {
            claims.setClaim("exp", now + Long.parseLong(q.getOrDefault("exp", "300")));
        }
        claims.setClaim("iat", now + Long.parseLong(q.getOrDefault("iat", "0")));
        if (q.containsKey("nbf")) {
            claims.setClaim("nbf", now + Long.parseLong(q.get("nbf")));
        }
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setKey(signing.getPrivateKey());
        jws.setKeyIdHeaderValue(q.getOrDefault("kid", signing.getKeyId()));
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
        return jws.getCompactSerialization();
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new HashMap<>();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                q.put(URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8),
                        eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return q;
    }

    private static void reply(HttpExchange x, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", body.startsWith("{") ? "application/json" : "text/plain");
        x.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(bytes);
        }
    }

    // --- what tests call ----------------------------------------------------------------------------

    /** A token for {@code user} in {@code groups}, with extra query parameters (kid, exp, nbf, iat). */
    public static String token(String user, String groups, String extra) {
        return call("mint?user=" + user + "&groups=" + groups + (extra.isEmpty() ? "" : "&" + extra));
    }

    /** Publishes a new signing key and signs with it from now on; returns its kid. */
    public static String rotateKey() {
        return call("rotate");
    }

    /** Makes discovery and JWKS answer 503 (down) or serve again. */
    public static void down(boolean on) {
        call("down?on=" + on);
    }

    /** How many times the JWKS has been fetched. */
    public static int jwksFetches() {
        return Integer.parseInt(call("fetches"));
    }

    private static String call(String pathAndQuery) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + PORT + "/admin/"
                    + pathAndQuery)).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("test issuer: " + r.statusCode() + " " + r.body());
            }
            return r.body();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
