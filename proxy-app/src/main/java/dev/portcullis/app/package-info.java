/**
 * The {@code portcullis} command line: argument parsing, wiring of config, proxy and admin endpoint
 * (metrics, health, connections), dev mode and signals.
 */
package dev.portcullis.app;
