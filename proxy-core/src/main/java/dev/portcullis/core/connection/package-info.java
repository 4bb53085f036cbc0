/**
 * Live client connections: what each one holds in buffers right now, its peak, its traffic, and
 * the registry the admin endpoint and the connection gauges read.
 */
package dev.portcullis.core.connection;
