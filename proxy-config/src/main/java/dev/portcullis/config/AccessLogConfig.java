package dev.portcullis.config;

import java.nio.file.Path;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * The {@code access_log} key: {@code stdout} (default), {@code off}, or a file path. One JSON line
 * per exchange.
 *
 * @param file the log file when {@code target} is {@link Target#FILE}, else empty
 */
public record AccessLogConfig(Target target, Optional<Path> file) {

    public static final AccessLogConfig STDOUT = new AccessLogConfig(Target.STDOUT, Optional.empty());
    public static final AccessLogConfig OFF = new AccessLogConfig(Target.OFF, Optional.empty());

    public AccessLogConfig {
        requireNonNull(target, "target");
        requireNonNull(file, "file");
        if ((target == Target.FILE) != file.isPresent()) {
            throw new IllegalArgumentException("a file exactly when target is FILE");
        }
    }

    public static AccessLogConfig file(Path path) {
        return new AccessLogConfig(Target.FILE, Optional.of(path));
    }

    /** Where access-log lines go. */
    public enum Target { STDOUT, OFF, FILE }
}
