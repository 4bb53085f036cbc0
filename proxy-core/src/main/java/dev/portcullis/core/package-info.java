/** The running proxy: listener, event loops and transport, started from a validated config. */
package dev.portcullis.core;
