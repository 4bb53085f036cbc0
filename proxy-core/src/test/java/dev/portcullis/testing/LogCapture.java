package dev.portcullis.testing;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Captures every Log4j2 event at every level (TRACE included) while a test runs, formatted with
 * its throwable, so tests can assert what was logged and, above all, that no secret was.
 *
 * <pre>{@code @RegisterExtension final LogCapture logs = new LogCapture();}</pre>
 */
public final class LogCapture implements BeforeEachCallback, AfterEachCallback {

    private static final String NAME = "portcullis-test-capture";

    private final List<String> lines = new CopyOnWriteArrayList<>();
    private Level previousRootLevel;

    @Override
    public void beforeEach(ExtensionContext context) {
        lines.clear();
        LoggerContext loggers = (LoggerContext) LogManager.getContext(false);
        Configuration config = loggers.getConfiguration();
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

    /** Captured lines containing {@code text}. */
    public List<String> linesContaining(String text) {
        return lines.stream().filter(l -> l.contains(text)).toList();
    }
}
