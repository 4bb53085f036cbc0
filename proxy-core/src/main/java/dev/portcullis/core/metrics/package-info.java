/** Meters: every name Portcullis exports, declared in one class. */
package dev.portcullis.core.metrics;
