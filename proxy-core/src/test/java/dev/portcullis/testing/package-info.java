/** End-to-end test tools shared through the test-jar: a test PKI, a raw TLS client, a recording upstream and the proxy extension. */
package dev.portcullis.testing;
