package dev.portcullis.app;

import dev.portcullis.config.AccessLogConfig;
import dev.portcullis.core.observe.AccessLog;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.Layout;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AsyncAppender;
import org.apache.logging.log4j.core.appender.ConsoleAppender;
import org.apache.logging.log4j.core.appender.FileAppender;
import org.apache.logging.log4j.core.config.AppenderRef;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.layout.template.json.JsonTemplateLayout;

/**
 * Gives the {@code access} logger (declared without appenders in {@code log4j2.properties}) the
 * output {@code access_log} names: stdout or a file, with the {@code access.json} event template,
 * through a non-blocking async appender so that a slow reader or disk never stalls an event loop
 * (lines are dropped instead when its queue is full). {@code off} adds nothing, so neither the
 * JSON layout nor the async thread is loaded at all; the proxy then records no access lines.
 */
final class AccessLogOutput {

    private static final String TEMPLATE = "classpath:access.json";
    /** Room for a burst; beyond it lines are dropped rather than block. */
    private static final int BUFFER_SIZE = 8192;

    private AccessLogOutput() {
    }

    static void configure(AccessLogConfig accessLog) {
        if (accessLog.target() == AccessLogConfig.Target.OFF) {
            return;
        }
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        Configuration config = context.getConfiguration();
        Layout<String> layout = JsonTemplateLayout.newBuilder()
                .setConfiguration(config)
                .setEventTemplateUri(TEMPLATE)
                .build();
        Appender writer = accessLog.target() == AccessLogConfig.Target.FILE
                ? FileAppender.newBuilder()
                        .setName("access-file")
                        .withFileName(accessLog.file().orElseThrow().toString())
                        .withAppend(true)
                        .setLayout(layout)
                        .setConfiguration(config)
                        .build()
                : ConsoleAppender.newBuilder()
                        .setName("access-stdout")
                        .setTarget(ConsoleAppender.Target.SYSTEM_OUT)
                        .setLayout(layout)
                        .setConfiguration(config)
                        .build();
        writer.start();
        config.addAppender(writer);
        Appender async = AsyncAppender.newBuilder()
                .setName("access-async")
                .setAppenderRefs(new AppenderRef[] {AppenderRef.createAppenderRef(writer.getName(), null, null)})
                .setBufferSize(BUFFER_SIZE)
                .setBlocking(false)
                .setConfiguration(config)
                .build();
        async.start();
        config.addAppender(async);
        config.getLoggerConfig(AccessLog.LOGGER).addAppender(async, null, null);
        context.updateLoggers();
    }
}
