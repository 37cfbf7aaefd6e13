package dev.pedregal.gateway.capacity;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;

/**
 * A Redis Functions library as this gateway ships it: its Lua text, its name ({@code #!lua name=...}) and its
 * version ({@code local VERSION = n}, which its function {@code <name>_version} answers).
 *
 * <p>It goes onto a primary over no library or an older one only; a library from before versions (without the
 * version function) counts as version 0. A newer one, loaded by a newer gateway during a rolling upgrade, is left
 * in place and serves this gateway's calls too (see docs/capacity.md, "Upgrading the library"). Loading and
 * reading the version are two commands, so an older gateway may load its own in between: the version is read
 * back after each load, and the load repeated while it reads older (at most {@value #LOADS} loads).
 */
record FunctionsLibrary(String name, int version, String code) {

    private static final Pattern NAME = Pattern.compile("\\A#!lua name=(\\w+)");
    private static final Pattern VERSION = Pattern.compile("(?m)^local VERSION = (\\d+)$");
    private static final int LOADS = 3;

    /** The library of this Lua text; it must carry a name and a version. */
    static FunctionsLibrary of(String code) {
        Matcher name = NAME.matcher(code);
        Matcher version = VERSION.matcher(code);
        if (!name.find() || !version.find()) {
            throw new IllegalArgumentException("a Functions library starts with '#!lua name=<name>' and has a line 'local VERSION = <n>'");
        }
        return new FunctionsLibrary(name.group(1), Integer.parseInt(version.group(1)), code);
    }

    static FunctionsLibrary fromResource(String resource) {
        try (InputStream in = FunctionsLibrary.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is missing from the class path");
            }
            return of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String versionFunction() {
        return name + "_version";
    }

    /** Loads this library on the primary unless it holds this version or a newer one; answers what it holds then. */
    Uni<LibraryReport.Held> installOn(Primary primary) {
        return installOn(primary, LOADS, false);
    }

    private Uni<LibraryReport.Held> installOn(Primary primary, int loadsLeft, boolean loaded) {
        return versionOn(primary).chain(held -> held >= version || loadsLeft == 0
                ? Uni.createFrom().item(new LibraryReport.Held(primary.name(), held, loaded))
                : primary.send(Request.cmd(Command.FUNCTION).arg("LOAD").arg("REPLACE").arg(code))
                        .chain(() -> installOn(primary, loadsLeft - 1, true)));
    }

    /** The version of the library the primary holds: 0 for none, or one from before versions. */
    Uni<Integer> versionOn(Primary primary) {
        return primary.send(Request.cmd(Command.FCALL).arg(versionFunction()).arg(0))
                .map(Response::toInteger)
                .onFailure(CapacityFunctions::isFunctionMissing).recoverWithItem(0);
    }
}
