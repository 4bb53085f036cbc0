package dev.portcullis.testing;

import dev.portcullis.core.observe.AccessLog;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.apache.logging.log4j.layout.template.json.JsonTemplateLayout;
import org.yaml.snakeyaml.Yaml;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Captures every Log4j2 event at every level (TRACE included) while a test runs, formatted with
 * its throwable, so tests can assert what was logged and, above all, that no secret was. Access
 * log events are also rendered as the application renders them, with the {@code access.json}
 * event template, and can be read back as parsed JSON.
 *
 * <pre>{@code @RegisterExtension final LogCapture logs = new LogCapture();}</pre>
 */
public final class LogCapture implements BeforeEachCallback, AfterEachCallback {

    private static final String NAME = "portcullis-test-capture";

    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final List<String> accessLines = new CopyOnWriteArrayList<>();
    private Level previousRootLevel;

    @Override
    public void beforeEach(ExtensionContext context) {
        lines.clear();
        accessLines.clear();
        LoggerContext loggers = (LoggerContext) LogManager.getContext(false);
        Configuration config = loggers.getConfiguration();
        JsonTemplateLayout accessLayout = JsonTemplateLayout.newBuilder()
                .setConfiguration(config)
                .setEventTemplateUri("classpath:access.json")
                .build();
        AbstractAppender appender = new AbstractAppender(NAME, null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                StringBuilder line = new StringBuilder()
                        .append(event.getLevel()).append(' ').append(event.getLoggerName()).append(": ")
                        .append(event.getMessage().getFormattedMessage());
                for (Throwable t = event.getThrown(); t != null; t = t.getCause()) {
                    line.append(" | ").append(t);
                }
                lines.add(line.toString());
                if (AccessLog.LOGGER.equals(event.getLoggerName())) {
                    accessLines.add(accessLayout.toSerializable(event));
                }
            }
        };
        appender.start();
        LoggerConfig root = config.getRootLogger();
        previousRootLevel = root.getLevel();
        root.addAppender(appender, Level.ALL, null);
        root.setLevel(Level.ALL);
        loggers.updateLoggers();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        LoggerContext loggers = (LoggerContext) LogManager.getContext(false);
        LoggerConfig root = loggers.getConfiguration().getRootLogger();
        root.removeAppender(NAME);
        root.setLevel(previousRootLevel);
        loggers.updateLoggers();
    }

    /** Every captured line so far, in order. */
    public List<String> lines() {
        return List.copyOf(lines);
    }

    /** Access-log lines so far, as JSON text. */
    public List<String> accessLines() {
        return List.copyOf(accessLines);
    }

    /** Access-log lines so far, each parsed from its JSON. */
    public List<Map<String, Object>> accessLog() {
        Yaml json = new Yaml();
        return accessLines.stream().map(line -> json.<Map<String, Object>>load(line)).toList();
    }

    /** Waits up to 10 s for the {@code n}th access-log line (1-based) and returns it parsed. */
    public Map<String, Object> awaitAccessLine(int n) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (accessLines.size() < n && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        List<Map<String, Object>> log = accessLog();
        if (log.size() < n) {
            throw new AssertionError("expected " + n + " access-log lines, got " + log);
        }
        return log.get(n - 1);
    }

    /** Captured lines containing {@code text}. */
    public List<String> linesContaining(String text) {
        return lines.stream().filter(l -> l.contains(text)).toList();
    }
}
