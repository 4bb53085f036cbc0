package dev.portcullis.app;

import dev.portcullis.config.AccessLogConfig;
import dev.portcullis.core.observe.AccessLog;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AsyncAppender;
import org.apache.logging.log4j.core.appender.FileAppender;
import org.apache.logging.log4j.core.config.AppenderRef;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.layout.template.json.JsonTemplateLayout;

import java.nio.file.Path;

/**
 * Points the {@code access} logger where {@code access_log} says. {@code log4j2.properties} sends
 * it to stdout through a non-blocking async appender; for a file path, the same template and the
 * same kind of async appender write to the file instead, so a slow disk never stalls an event
 * loop either. {@code off} needs nothing here: the proxy then records no exchanges at all.
 */
final class AccessLogOutput {

    /** The async stdout appender of {@code log4j2.properties}. */
    private static final String STDOUT_APPENDER = "access-async";
    private static final String TEMPLATE = "classpath:access.json";
    /** As for stdout: room for a burst, and events are dropped rather than block when it is full. */
    private static final int BUFFER_SIZE = 8192;

    private AccessLogOutput() {
    }

    static void configure(AccessLogConfig accessLog) {
        if (accessLog.target() == AccessLogConfig.Target.FILE) {
            toFile(accessLog.file().orElseThrow());
        }
    }

    private static void toFile(Path file) {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        Configuration config = context.getConfiguration();
        Appender writer = FileAppender.newBuilder()
                .setName("access-file")
                .withFileName(file.toString())
                .withAppend(true)
                .setLayout(JsonTemplateLayout.newBuilder().setConfiguration(config).setEventTemplateUri(TEMPLATE).build())
                .setConfiguration(config)
                .build();
        writer.start();
        config.addAppender(writer);
        Appender async = AsyncAppender.newBuilder()
                .setName("access-file-async")
                .setAppenderRefs(new AppenderRef[] {AppenderRef.createAppenderRef(writer.getName(), null, null)})
                .setBufferSize(BUFFER_SIZE)
                .setBlocking(false)
                .setConfiguration(config)
                .build();
        async.start();
        config.addAppender(async);
        LoggerConfig logger = config.getLoggerConfig(AccessLog.LOGGER);
        logger.removeAppender(STDOUT_APPENDER);
        logger.addAppender(async, null, null);
        context.updateLoggers();
    }
}
