package dev.portcullis.core.tls;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;

/** Finds the server certificate's URI SAN, which XFCC names as {@code By=}. */
final class ServerUriSan {

    private static final int URI = 6;

    private ServerUriSan() {
    }

    static String of(X509Certificate certificate) {
        try {
            Collection<List<?>> names = certificate.getSubjectAlternativeNames();
            if (names != null) {
                for (List<?> name : names) {
                    if (((Integer) name.get(0)) == URI) {
                        return (String) name.get(1);
                    }
                }
            }
            return null;
        } catch (CertificateParsingException e) {
            return null;
        }
    }
}
