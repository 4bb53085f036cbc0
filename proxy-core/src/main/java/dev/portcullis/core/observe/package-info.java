/**
 * Observing exchanges: a handler that records each request and its response as they pass, for
 * the request metrics, the connection's request count and the access log (DESIGN.md "Access
 * log"), which is written through Log4j's logger {@code access}, whose appenders the application
 * configures.
 */
package dev.portcullis.core.observe;
