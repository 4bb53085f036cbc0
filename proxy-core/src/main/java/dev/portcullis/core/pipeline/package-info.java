/** The client connection's pipeline, assembled in data order in one place. */
package dev.portcullis.core.pipeline;
