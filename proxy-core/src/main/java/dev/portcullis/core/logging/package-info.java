/** Application-log helpers shared by the handlers: rate limiting, so that a flood of failures cannot flood the log. */
package dev.portcullis.core.logging;
