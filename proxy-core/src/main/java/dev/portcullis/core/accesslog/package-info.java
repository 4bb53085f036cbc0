/**
 * The access log: one JSON line per exchange (DESIGN.md "Access log"), recorded by a handler
 * that watches requests go in and responses go out, and written through Log4j's logger
 * {@code access}, whose appenders the application configures.
 */
package dev.portcullis.core.accesslog;
