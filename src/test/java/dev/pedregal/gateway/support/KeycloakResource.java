package dev.pedregal.gateway.support;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A real Keycloak (realm {@code pedregal}, see {@code src/local-stack/realm/pedregal-realm.json}) for tests,
 * started and stopped with {@code src/local-stack/keycloak.sh} on 127.0.0.1:{@value #DEFAULT_PORT} with its state in
 * {@code target/keycloak-test}. The Keycloak distribution itself comes from {@code make deps}.
 *
 * <pre>
 * &#64;QuarkusTestResource(value = KeycloakResource.class, restrictToAnnotatedClass = true)
 * class SecuredTest {
 *     String token = KeycloakResource.token("alice");
 * }
 * </pre>
 *
 * Principals: users {@code alice, bob, carol, dave, erin} (password grant of the public client
 * {@code pyspark-cli}, password {@code <user>-password}) and the service account {@code ci-analytics}
 * (client credentials). {@link #shortLivedToken(String)} issues 15 s tokens via {@code pyspark-cli-short}.
 */
public class KeycloakResource implements QuarkusTestResourceLifecycleManager {

    public static final int DEFAULT_PORT = 18180;
    /** {@value #DEFAULT_PORT}, or the system property {@code keycloak.test.port}. */
    public static final int PORT = Integer.getInteger("keycloak.test.port", DEFAULT_PORT);
    public static final String REALM = "pedregal";
    public static final String KEYCLOAK_VERSION = "26.5.5";
    public static final String ISSUER = "http://127.0.0.1:" + PORT + "/realms/" + REALM;
    public static final String TOKEN_ENDPOINT = ISSUER + "/protocol/openid-connect/token";

    /** Public client with direct access grants: what pyspark users log in with. */
    public static final String USER_CLIENT = "pyspark-cli";
    /** Like {@link #USER_CLIENT}, but access tokens live 15 s. */
    public static final String SHORT_LIVED_USER_CLIENT = "pyspark-cli-short";

    /** Confidential clients with a service account: client id -> secret (as in the realm file). */
    private static final Map<String, String> SERVICE_ACCOUNTS = Map.of("ci-analytics", "ci-analytics-secret");

    private static final Duration START_TIMEOUT = Duration.ofSeconds(240);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern ACCESS_TOKEN = Pattern.compile("\"access_token\"\\s*:\\s*\"([^\"]+)\"");

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    @Override
    public Map<String, String> start() {
        Path root = projectRoot();
        Path dist = root.resolve(".local/keycloak-" + KEYCLOAK_VERSION);
        if (!Files.isRegularFile(dist.resolve(".complete"))) {
            throw new IllegalStateException("Keycloak " + KEYCLOAK_VERSION + " is not installed in " + dist
                    + ": run `make deps` (or `src/local-stack/keycloak.sh fetch`) before running these tests");
        }
        Path data = root.resolve("target/keycloak-test");
        String out = keycloakSh(root, START_TIMEOUT, "start", "--port", String.valueOf(PORT), "--data", data.toString());
        Map<String, String> config = new LinkedHashMap<>();
        config.put("quarkus.oidc.auth-server-url", ISSUER);
        System.out.println("[KeycloakResource] " + out.strip().replace("\n", "\n[KeycloakResource] "));
        return config;
    }

    @Override
    public void stop() {
        keycloakSh(projectRoot(), STOP_TIMEOUT, "stop", "--port", String.valueOf(PORT));
    }

    // ------------------------------------------------------------------------------------------------
    // tokens

    /**
     * A fresh access token for a user ({@code alice, bob, carol, dave, erin}: password grant of
     * {@code pyspark-cli}) or a service account ({@code ci-analytics}: client credentials).
     */
    public static String token(String userOrServiceAccount) {
        return token(userOrServiceAccount, USER_CLIENT);
    }

    /** A fresh access token for a user, valid 15 s (client {@code pyspark-cli-short}). */
    public static String shortLivedToken(String user) {
        return token(user, SHORT_LIVED_USER_CLIENT);
    }

    /**
     * A fresh access token; {@code userClient} is the public client used for the password grant of a user
     * and is ignored for service accounts.
     */
    public static String token(String userOrServiceAccount, String userClient) {
        Map<String, String> form = new LinkedHashMap<>();
        String secret = SERVICE_ACCOUNTS.get(userOrServiceAccount);
        if (secret != null) {
            form.put("grant_type", "client_credentials");
            form.put("client_id", userOrServiceAccount);
            form.put("client_secret", secret);
        } else {
            form.put("grant_type", "password");
            form.put("client_id", userClient);
            form.put("username", userOrServiceAccount);
            form.put("password", userOrServiceAccount + "-password");
            form.put("scope", "openid");
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create(TOKEN_ENDPOINT))
                .timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(formEncode(form)))
                .build();
        HttpResponse<String> response;
        try {
            response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException("token endpoint " + TOKEN_ENDPOINT + " not reachable", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while fetching a token for " + userOrServiceAccount, e);
        }
        Matcher m = ACCESS_TOKEN.matcher(response.body());
        if (response.statusCode() != 200 || !m.find()) {
            throw new IllegalStateException("no access token for '" + userOrServiceAccount + "' (HTTP "
                    + response.statusCode() + "): " + response.body());
        }
        return m.group(1);
    }

    /** The decoded payload (claims JSON) of a JWT, for assertions and diagnostics. */
    public static String claimsJson(String jwt) {
        String[] parts = jwt.split("\\.");
        if (parts.length < 2) {
            throw new IllegalArgumentException("not a JWT: " + jwt);
        }
        return new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------------------------------------
    // plumbing

    private static String formEncode(Map<String, String> form) {
        StringJoiner body = new StringJoiner("&");
        form.forEach((k, v) -> body.add(URLEncoder.encode(k, StandardCharsets.UTF_8) + "="
                + URLEncoder.encode(v, StandardCharsets.UTF_8)));
        return body.toString();
    }

    /** The repository root: the first directory upwards from the working directory holding the script. */
    private static Path projectRoot() {
        Path dir = Path.of("").toAbsolutePath();
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("src/local-stack/keycloak.sh"))) {
                return p;
            }
        }
        throw new IllegalStateException("src/local-stack/keycloak.sh not found above " + dir);
    }

    /** Runs keycloak.sh with the given arguments; returns its output (stdout and stderr), fails on exit != 0. */
    private static String keycloakSh(Path root, Duration timeout, String... args) {
        List<String> command = new ArrayList<>();
        command.add("bash");
        command.add(root.resolve("src/local-stack/keycloak.sh").toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true);
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        String cmdline = command.stream().collect(Collectors.joining(" "));
        try {
            Process process = pb.start();
            StringBuilder output = new StringBuilder();
            Thread reader = new Thread(() -> {
                try (InputStream in = process.getInputStream()) {
                    String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                    synchronized (output) {
                        output.append(text);
                    }
                } catch (IOException ignored) {
                    // the process went away; whatever was read is reported
                }
            }, "keycloak.sh-output");
            reader.setDaemon(true);
            reader.start();
            if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
                process.destroy();
                throw new IllegalStateException("`" + cmdline + "` did not finish within " + timeout.toSeconds()
                        + " s; see .local/run/keycloak-" + PORT + ".log");
            }
            reader.join(TimeUnit.SECONDS.toMillis(5));
            String text;
            synchronized (output) {
                text = output.toString();
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException("`" + cmdline + "` failed (exit " + process.exitValue() + "):\n" + text
                        + (text.contains("make deps") ? "" : "\n(is the Keycloak dist installed? run `make deps`)"));
            }
            return text;
        } catch (IOException e) {
            throw new UncheckedIOException("could not run `" + cmdline + "`", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running `" + cmdline + "`", e);
        }
    }
}
