package dev.portcullis.config;

import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;

/** The only way YAML becomes a {@link ProxyConfig}. */
public final class ConfigLoader {

    private ConfigLoader() {
    }

    /** Loads, interpolates {@code ${VAR}} from the process environment, binds and validates. */
    public static ProxyConfig load(Path file) throws ConfigException {
        return load(file, System.getenv()::get);
    }

    /** As {@link #load(Path)}, with {@code environment} returning null for an unset variable. */
    public static ProxyConfig load(Path file, Function<String, String> environment) throws ConfigException {
        throw new UnsupportedOperationException("TODO");
    }
}
