/**
 * Observing exchanges: each finished exchange counted for the request metrics and written to the
 * access log (DESIGN.md "Access log") through Log4j's logger {@code access}, whose appenders the
 * application configures.
 */
package dev.portcullis.core.observe;
