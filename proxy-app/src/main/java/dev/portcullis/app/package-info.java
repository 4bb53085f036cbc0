/** The {@code portcullis} command line: argument parsing, wiring of config and proxy, dev mode and signals. */
package dev.portcullis.app;
