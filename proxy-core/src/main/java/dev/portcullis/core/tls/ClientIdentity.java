package dev.portcullis.core.tls;

import io.netty.util.NetUtil;
import org.bouncycastle.asn1.ASN1IA5String;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;

import java.net.Inet6Address;
import java.net.UnknownHostException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * The client as the upstream is told about it: computed once per connection when the TLS
 * handshake completes, kept in a channel attribute, and only read afterwards. Every header value
 * is rendered here, so per-request code copies strings and never touches the certificate.
 *
 * <p>Formats (the DESIGN.md contract for the {@code identity.headers} fields):
 * <table>
 *   <caption>header values</caption>
 *   <tr><th>accessor</th><th>value</th></tr>
 *   <tr><td>{@link #verify()}</td><td>{@code SUCCESS}, or {@code NONE} when no certificate was
 *       presented ({@code client_auth: optional})</td></tr>
 *   <tr><td>{@link #subject()}, {@link #issuer()}</td><td>exactly {@code openssl x509 -noout -subject
 *       -nameopt RFC2253} without the prefix, see {@link DistinguishedNames}</td></tr>
 *   <tr><td>{@link #fingerprint()}</td><td>lowercase hex SHA-256 of the leaf's DER, 64 characters</td></tr>
 *   <tr><td>{@link #serial()}</td><td>lowercase hex, no leading zeros</td></tr>
 *   <tr><td>{@link #san()}</td><td>{@code DNS:a.example, URI:spiffe://td/x, email:a@b, IP:10.0.0.1,
 *       IP:2001:db8::1} in certificate order; IPv6 in RFC 5952 form (lowercase, longest zero run
 *       compressed, IPv4-mapped as {@code ::ffff:192.0.2.1}), where openssl would print {@code IP Address:2001:DB8:0:0:0:0:0:1}; other name
 *       types are left out; empty when there are none</td></tr>
 *   <tr><td>{@link #notAfter()}</td><td>RFC 3339 UTC, {@code 2027-01-31T00:00:00Z}</td></tr>
 *   <tr><td>{@link #xfcc()}</td><td>Envoy's {@code X-Forwarded-Client-Cert} grammar:
 *       {@code By=<server URI SAN>;Hash=<fingerprint>;Subject="<subject>";URI=<uri>;DNS=<dns>},
 *       {@code By=} only when the server certificate has a URI SAN, one {@code URI=} or
 *       {@code DNS=} per SAN in certificate order, never {@code Cert} or {@code Chain}</td></tr>
 * </table>
 *
 * <p>Header safety: a SAN (or the server URI SAN) whose value is not entirely visible ASCII
 * ({@code !} to {@code ~}: no space, control character or byte above 0x7E) is left out of every
 * value here and of {@link #uriSans()} / {@link #dnsSans()}. RFC 5280 names never contain those,
 * and dropping them keeps {@code ", "} an unambiguous separator in {@link #san()}. In XFCC,
 * {@code Subject} is always quoted and other values are quoted when they contain
 * {@code , ; = " \}, with {@code "} and {@code \} backslash-escaped inside quotes (Envoy's rule).
 * A SAN extension that cannot be decoded counts as no SANs.
 */
public final class ClientIdentity {

    private static final String SUCCESS = "SUCCESS";
    private static final String NONE = "NONE";
    private static final ClientIdentity NO_CERTIFICATE =
            new ClientIdentity(false, null, null, null, null, null, null, null, List.of(), List.of());

    private final boolean verified;
    private final String subject;
    private final String issuer;
    private final String fingerprint;
    private final String serial;
    private final String san;
    private final String notAfter;
    private final String xfcc;
    private final List<String> uriSans;
    private final List<String> dnsSans;

    private ClientIdentity(boolean verified, String subject, String issuer, String fingerprint, String serial,
                           String san, String notAfter, String xfcc, List<String> uriSans, List<String> dnsSans) {
        this.verified = verified;
        this.subject = subject;
        this.issuer = issuer;
        this.fingerprint = fingerprint;
        this.serial = serial;
        this.san = san;
        this.notAfter = notAfter;
        this.xfcc = xfcc;
        this.uriSans = uriSans;
        this.dnsSans = dnsSans;
    }

    /**
     * The identity of a client whose certificate chain the handshake verified.
     *
     * @param leaf the client's leaf certificate (first of the peer chain)
     * @param serverUriSan the server certificate's first URI SAN for XFCC's {@code By=}, or null
     */
    public static ClientIdentity verified(X509Certificate leaf, String serverUriSan) {
        requireNonNull(leaf, "leaf");
        String subject = DistinguishedNames.rfc2253(leaf.getSubjectX500Principal());
        String fingerprint = sha256Hex(leaf);
        List<GeneralName> names = subjectAltNames(leaf);

        StringBuilder san = new StringBuilder();
        StringBuilder xfcc = new StringBuilder(160);
        List<String> uris = new ArrayList<>(2);
        List<String> dnsNames = new ArrayList<>(2);
        if (serverUriSan != null && isVisibleAscii(serverUriSan)) {
            xfcc.append("By=");
            appendXfccValue(xfcc, serverUriSan);
            xfcc.append(';');
        }
        xfcc.append("Hash=").append(fingerprint).append(";Subject=\"");
        appendEscaped(xfcc, subject);
        xfcc.append('"');
        for (GeneralName name : names) {
            String prefix = sanPrefix(name.getTagNo());
            String value = prefix == null ? null : sanValue(name);
            if (value == null) {
                continue;
            }
            if (san.length() > 0) {
                san.append(", ");
            }
            san.append(prefix).append(value);
            if (name.getTagNo() == GeneralName.uniformResourceIdentifier) {
                uris.add(value);
                appendXfccValue(xfcc.append(";URI="), value);
            } else if (name.getTagNo() == GeneralName.dNSName) {
                dnsNames.add(value);
                appendXfccValue(xfcc.append(";DNS="), value);
            }
        }
        return new ClientIdentity(true, subject, DistinguishedNames.rfc2253(leaf.getIssuerX500Principal()),
                fingerprint, leaf.getSerialNumber().toString(16), san.toString(),
                DateTimeFormatter.ISO_INSTANT.format(leaf.getNotAfter().toInstant()), xfcc.toString(),
                List.copyOf(uris), List.copyOf(dnsNames));
    }

    /** No certificate was presented and {@code client_auth} is {@code optional}. */
    public static ClientIdentity none() {
        return NO_CERTIFICATE;
    }

    /** True when the handshake verified a client certificate. */
    public boolean verified() {
        return verified;
    }

    /** The verify header value: {@code SUCCESS} or {@code NONE}. */
    public String verify() {
        return verified ? SUCCESS : NONE;
    }

    /** The subject DN in openssl's RFC 2253 form; null unless {@link #verified()}. */
    public String subject() {
        return subject;
    }

    /** The issuer DN in openssl's RFC 2253 form; null unless {@link #verified()}. */
    public String issuer() {
        return issuer;
    }

    /** Lowercase hex SHA-256 of the leaf DER; null unless {@link #verified()}. */
    public String fingerprint() {
        return fingerprint;
    }

    /** Lowercase hex serial number without leading zeros; null unless {@link #verified()}. */
    public String serial() {
        return serial;
    }

    /** The SAN header value (possibly empty); null unless {@link #verified()}. */
    public String san() {
        return san;
    }

    /** The not-after time, RFC 3339 UTC; null unless {@link #verified()}. */
    public String notAfter() {
        return notAfter;
    }

    /** The {@code X-Forwarded-Client-Cert} value; null unless {@link #verified()}. */
    public String xfcc() {
        return xfcc;
    }

    /** URI SANs in certificate order, for {@code identity.allow}; empty unless {@link #verified()}. */
    public List<String> uriSans() {
        return uriSans;
    }

    /** DNS SANs in certificate order, for {@code identity.allow}; empty unless {@link #verified()}. */
    public List<String> dnsSans() {
        return dnsSans;
    }

    @Override
    public String toString() {
        return verified ? "ClientIdentity[" + subject + ", sha256=" + fingerprint + "]" : "ClientIdentity[NONE]";
    }

    /** Lowercase hex SHA-256 of the DER encoding: the fingerprint format everywhere in Portcullis. */
    static String sha256Hex(X509Certificate leaf) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(leaf.getEncoded()));
        } catch (CertificateEncodingException e) {
            throw new IllegalArgumentException("cannot encode certificate " + leaf.getSubjectX500Principal(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    private static List<GeneralName> subjectAltNames(X509Certificate leaf) {
        byte[] extension = leaf.getExtensionValue(Extension.subjectAlternativeName.getId());
        if (extension == null) {
            return List.of();
        }
        try {
            return List.of(GeneralNames.getInstance(ASN1OctetString.getInstance(extension).getOctets()).getNames());
        } catch (RuntimeException e) {
            return List.of();
        }
    }

    private static String sanPrefix(int tag) {
        return switch (tag) {
            case GeneralName.dNSName -> "DNS:";
            case GeneralName.uniformResourceIdentifier -> "URI:";
            case GeneralName.rfc822Name -> "email:";
            case GeneralName.iPAddress -> "IP:";
            default -> null;
        };
    }

    /** The SAN's text, or null when it is malformed or not safe in a header. */
    private static String sanValue(GeneralName name) {
        try {
            if (name.getTagNo() == GeneralName.iPAddress) {
                byte[] address = ASN1OctetString.getInstance(name.getName()).getOctets();
                return switch (address.length) {
                    case 4 -> NetUtil.bytesToIpAddress(address);
                    // Inet6Address.getByAddress keeps an IPv4-mapped address IPv6 (InetAddress would not).
                    case 16 -> NetUtil.toAddressString(Inet6Address.getByAddress(null, address, -1), true);
                    default -> null;
                };
            }
            String value = ASN1IA5String.getInstance(name.getName()).getString();
            return isVisibleAscii(value) ? value : null;
        } catch (RuntimeException | UnknownHostException e) {
            return null;
        }
    }

    private static boolean isVisibleAscii(String value) {
        if (value.isEmpty()) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c <= ' ' || c > '~') {
                return false;
            }
        }
        return true;
    }

    /** Envoy: a value holding {@code , ; =} is double-quoted; we quote for {@code " \} as well. */
    private static void appendXfccValue(StringBuilder out, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == ',' || c == ';' || c == '=' || c == '"' || c == '\\') {
                out.append('"');
                appendEscaped(out, value);
                out.append('"');
                return;
            }
        }
        out.append(value);
    }

    private static void appendEscaped(StringBuilder out, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\');
            }
            out.append(c);
        }
    }
}
