/** Certificate issuing with Bouncy Castle: the dev PKI and test certificates. */
package dev.portcullis.core.pki;
