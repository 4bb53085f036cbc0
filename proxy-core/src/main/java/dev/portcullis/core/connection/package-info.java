/**
 * Live client connections: the context a verified connection hands its exchange stages, what
 * each one holds in buffers right now, its peak, its traffic, when it stops taking exchanges
 * (the policy) and how it closes after an early answer (lingering); and the registry the admin
 * endpoint and the connection gauges read.
 */
package dev.portcullis.core.connection;
