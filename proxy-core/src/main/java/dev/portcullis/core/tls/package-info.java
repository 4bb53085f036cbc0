/** TLS termination: server contexts, client certificate verification and the client identity told upstream. */
package dev.portcullis.core.tls;
