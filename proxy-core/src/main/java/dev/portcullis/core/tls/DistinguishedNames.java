package dev.portcullis.core.tls;

import org.bouncycastle.asn1.ASN1ObjectIdentifier;

import javax.security.auth.x500.X500Principal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * Renders a distinguished name exactly as {@code openssl x509 -noout -subject -nameopt RFC2253}
 * prints it (without the {@code subject=} prefix), which is the contract for {@code X-Client-DN},
 * {@code X-Client-Issuer-DN} and XFCC's {@code Subject=}.
 *
 * <p>{@link X500Principal#getName(String)} with {@code RFC2253} differs from OpenSSL in ways a
 * backend comparing strings would notice, so this class walks the DER itself and follows OpenSSL
 * 3.0's {@code X509_NAME_print_ex} with {@code XN_FLAG_RFC2253} ({@code crypto/x509/x_name.c},
 * {@code crypto/asn1/a_strex.c}):
 * <ul>
 *   <li>attribute names are OpenSSL's short names ({@code emailAddress}, {@code serialNumber},
 *       {@code street}, {@code title}, {@code GN}, {@code organizationIdentifier}, ...) where Java
 *       prints a dotted OID with a hex value;</li>
 *   <li>every attribute of the name is printed in reverse DER order, so the attributes of a
 *       multi-valued RDN are reversed too ({@code CN=a+UID=b} in DER prints as {@code UID=b+CN=a});</li>
 *   <li>bytes above 0x7F are printed as {@code \XX} escapes of their UTF-8 encoding
 *       ({@code L=Z\C3\BCrich}; Java prints the characters themselves); control characters as
 *       {@code \XX} (Java leaves them raw, which would break a header);
 *       {@code " + , ; < > \} are backslash-escaped anywhere, a space at either end and a
 *       {@code #} at the start (not when it is the whole value, an OpenSSL quirk kept on purpose);
 *       {@code =} is not escaped (Java escapes it);</li>
 *   <li>attributes whose type OpenSSL does not know are printed as dotted OID and {@code #} plus
 *       the upper-case hex DER of the value ({@code 1.2.3.4=#130568656C6C6F}; Java uses lower
 *       case), as are values that are not character strings.</li>
 * </ul>
 * The output is printable ASCII only, so it is always a safe HTTP header value.
 *
 * <p>Known differences from the openssl CLI, all in names it refuses to load at all (BMP or
 * Universal strings holding surrogates or code points above U+10FFFF, odd lengths, Videotex,
 * Graphic and General strings): those values are printed as {@code #} hex DER here, never
 * silently shortened. Attribute types OpenSSL knows outside the X.520, PKCS#9, pilot (RFC 4519)
 * and EV jurisdiction arcs are printed as dotted OIDs.
 */
final class DistinguishedNames {

    /** OpenSSL 3.0 short names ({@code obj_mac.h}) for the attribute arcs names use. */
    private static final Map<String, String> SHORT_NAMES = shortNames(
            "2.5.4.3", "CN", "2.5.4.4", "SN", "2.5.4.5", "serialNumber", "2.5.4.6", "C", "2.5.4.7", "L",
            "2.5.4.8", "ST", "2.5.4.9", "street", "2.5.4.10", "O", "2.5.4.11", "OU", "2.5.4.12", "title",
            "2.5.4.13", "description", "2.5.4.14", "searchGuide", "2.5.4.15", "businessCategory",
            "2.5.4.16", "postalAddress", "2.5.4.17", "postalCode", "2.5.4.18", "postOfficeBox",
            "2.5.4.19", "physicalDeliveryOfficeName", "2.5.4.20", "telephoneNumber", "2.5.4.21", "telexNumber",
            "2.5.4.22", "teletexTerminalIdentifier", "2.5.4.23", "facsimileTelephoneNumber",
            "2.5.4.24", "x121Address", "2.5.4.25", "internationaliSDNNumber", "2.5.4.26", "registeredAddress",
            "2.5.4.27", "destinationIndicator", "2.5.4.28", "preferredDeliveryMethod",
            "2.5.4.29", "presentationAddress", "2.5.4.30", "supportedApplicationContext", "2.5.4.31", "member",
            "2.5.4.32", "owner", "2.5.4.33", "roleOccupant", "2.5.4.34", "seeAlso", "2.5.4.35", "userPassword",
            "2.5.4.36", "userCertificate", "2.5.4.37", "cACertificate", "2.5.4.38", "authorityRevocationList",
            "2.5.4.39", "certificateRevocationList", "2.5.4.40", "crossCertificatePair", "2.5.4.41", "name",
            "2.5.4.42", "GN", "2.5.4.43", "initials", "2.5.4.44", "generationQualifier",
            "2.5.4.45", "x500UniqueIdentifier", "2.5.4.46", "dnQualifier", "2.5.4.47", "enhancedSearchGuide",
            "2.5.4.48", "protocolInformation", "2.5.4.49", "distinguishedName", "2.5.4.50", "uniqueMember",
            "2.5.4.51", "houseIdentifier", "2.5.4.52", "supportedAlgorithms", "2.5.4.53", "deltaRevocationList",
            "2.5.4.54", "dmdName", "2.5.4.65", "pseudonym", "2.5.4.72", "role",
            "2.5.4.97", "organizationIdentifier", "2.5.4.98", "c3", "2.5.4.99", "n3", "2.5.4.100", "dnsName",
            "0.9.2342.19200300.100.1.1", "UID", "0.9.2342.19200300.100.1.2", "textEncodedORAddress",
            "0.9.2342.19200300.100.1.3", "mail", "0.9.2342.19200300.100.1.4", "info",
            "0.9.2342.19200300.100.1.5", "favouriteDrink", "0.9.2342.19200300.100.1.6", "roomNumber",
            "0.9.2342.19200300.100.1.7", "photo", "0.9.2342.19200300.100.1.8", "userClass",
            "0.9.2342.19200300.100.1.9", "host", "0.9.2342.19200300.100.1.10", "manager",
            "0.9.2342.19200300.100.1.11", "documentIdentifier", "0.9.2342.19200300.100.1.12", "documentTitle",
            "0.9.2342.19200300.100.1.13", "documentVersion", "0.9.2342.19200300.100.1.14", "documentAuthor",
            "0.9.2342.19200300.100.1.15", "documentLocation",
            "0.9.2342.19200300.100.1.20", "homeTelephoneNumber", "0.9.2342.19200300.100.1.21", "secretary",
            "0.9.2342.19200300.100.1.22", "otherMailbox", "0.9.2342.19200300.100.1.23", "lastModifiedTime",
            "0.9.2342.19200300.100.1.24", "lastModifiedBy", "0.9.2342.19200300.100.1.25", "DC",
            "0.9.2342.19200300.100.1.26", "aRecord", "0.9.2342.19200300.100.1.27", "pilotAttributeType27",
            "0.9.2342.19200300.100.1.28", "mXRecord", "0.9.2342.19200300.100.1.29", "nSRecord",
            "0.9.2342.19200300.100.1.30", "sOARecord", "0.9.2342.19200300.100.1.31", "cNAMERecord",
            "0.9.2342.19200300.100.1.37", "associatedDomain", "0.9.2342.19200300.100.1.38", "associatedName",
            "0.9.2342.19200300.100.1.39", "homePostalAddress", "0.9.2342.19200300.100.1.40", "personalTitle",
            "0.9.2342.19200300.100.1.41", "mobileTelephoneNumber",
            "0.9.2342.19200300.100.1.42", "pagerTelephoneNumber",
            "0.9.2342.19200300.100.1.43", "friendlyCountryName", "0.9.2342.19200300.100.1.44", "uid",
            "0.9.2342.19200300.100.1.45", "organizationalStatus", "0.9.2342.19200300.100.1.46", "janetMailbox",
            "0.9.2342.19200300.100.1.47", "mailPreferenceOption", "0.9.2342.19200300.100.1.48", "buildingName",
            "0.9.2342.19200300.100.1.49", "dSAQuality", "0.9.2342.19200300.100.1.50", "singleLevelQuality",
            "0.9.2342.19200300.100.1.51", "subtreeMinimumQuality",
            "0.9.2342.19200300.100.1.52", "subtreeMaximumQuality",
            "0.9.2342.19200300.100.1.53", "personalSignature", "0.9.2342.19200300.100.1.54", "dITRedirect",
            "0.9.2342.19200300.100.1.55", "audio", "0.9.2342.19200300.100.1.56", "documentPublisher",
            "1.2.840.113549.1.9.1", "emailAddress", "1.2.840.113549.1.9.2", "unstructuredName",
            "1.2.840.113549.1.9.3", "contentType", "1.2.840.113549.1.9.4", "messageDigest",
            "1.2.840.113549.1.9.5", "signingTime", "1.2.840.113549.1.9.6", "countersignature",
            "1.2.840.113549.1.9.7", "challengePassword", "1.2.840.113549.1.9.8", "unstructuredAddress",
            "1.2.840.113549.1.9.9", "extendedCertificateAttributes", "1.2.840.113549.1.9.14", "extReq",
            "1.2.840.113549.1.9.15", "SMIME-CAPS", "1.2.840.113549.1.9.16", "SMIME",
            "1.2.840.113549.1.9.20", "friendlyName", "1.2.840.113549.1.9.21", "localKeyID",
            "1.3.6.1.4.1.311.60.2.1.1", "jurisdictionL", "1.3.6.1.4.1.311.60.2.1.2", "jurisdictionST",
            "1.3.6.1.4.1.311.60.2.1.3", "jurisdictionC");

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private static final int TAG_SEQUENCE = 0x30;
    private static final int TAG_SET = 0x31;
    private static final int TAG_OID = 0x06;

    private DistinguishedNames() {
    }

    /** The name as openssl prints it with {@code -nameopt RFC2253}; empty for an empty name. */
    static String rfc2253(X500Principal name) {
        requireNonNull(name, "name");
        byte[] der = name.getEncoded();
        List<Attribute> attributes = parse(der);
        StringBuilder out = new StringBuilder(der.length + 16);
        for (int i = attributes.size() - 1; i >= 0; i--) {
            Attribute attribute = attributes.get(i);
            if (i < attributes.size() - 1) {
                out.append(attributes.get(i + 1).rdn == attribute.rdn ? '+' : ',');
            }
            appendAttribute(out, der, attribute);
        }
        return out.toString();
    }

    /** One AttributeTypeAndValue: where its OID and value TLVs are, and which RDN holds it. */
    private record Attribute(int rdn, int oidStart, int oidEnd, Tlv value) {
    }

    private static List<Attribute> parse(byte[] der) {
        try {
            Tlv name = Tlv.read(der, 0, der.length);
            expect(name, TAG_SEQUENCE);
            List<Attribute> attributes = new ArrayList<>();
            int rdn = 0;
            for (int pos = name.contentStart; pos < name.end; rdn++) {
                Tlv set = Tlv.read(der, pos, name.end);
                expect(set, TAG_SET);
                for (int p = set.contentStart; p < set.end; ) {
                    Tlv typeAndValue = Tlv.read(der, p, set.end);
                    expect(typeAndValue, TAG_SEQUENCE);
                    Tlv oid = Tlv.read(der, typeAndValue.contentStart, typeAndValue.end);
                    expect(oid, TAG_OID);
                    Tlv value = Tlv.read(der, oid.end, typeAndValue.end);
                    attributes.add(new Attribute(rdn, oid.start, oid.end, value));
                    p = typeAndValue.end;
                }
                pos = set.end;
            }
            return attributes;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("malformed distinguished name", e);
        }
    }

    private static void expect(Tlv tlv, int tag) {
        if (tlv.tag != tag) {
            throw new IllegalArgumentException("expected tag " + tag + " at offset " + tlv.start);
        }
    }

    private static void appendAttribute(StringBuilder out, byte[] der, Attribute attribute) {
        byte[] oidTlv = Arrays.copyOfRange(der, attribute.oidStart, attribute.oidEnd);
        String oid = ASN1ObjectIdentifier.getInstance(oidTlv).getId();
        String shortName = SHORT_NAMES.get(oid);
        if (shortName == null) {
            out.append(oid).append('=');
            appendDump(out, der, attribute.value);
            return;
        }
        out.append(shortName).append('=');
        appendValue(out, der, attribute.value);
    }

    /** OpenSSL's {@code do_print_ex}: character strings by width, everything else dumped. */
    private static void appendValue(StringBuilder out, byte[] der, Tlv value) {
        int length = value.end - value.contentStart;
        switch (value.tag) {
            // UTF8String: OpenSSL prints its bytes one by one, so each byte >= 0x80 is one \XX.
            case 0x0C -> appendChars(out, der, value, 1, false);
            // Numeric, Printable, T61, IA5, UTCTime, GeneralizedTime, ISO646: Latin-1 to UTF-8.
            case 0x12, 0x13, 0x14, 0x16, 0x17, 0x18, 0x1A -> appendChars(out, der, value, 1, true);
            case 0x1E -> {
                if (length % 2 != 0 || !appendChars(out, der, value, 2, true)) {
                    appendDump(out, der, value);
                }
            }
            case 0x1C -> {
                if (length % 4 != 0 || !appendChars(out, der, value, 4, true)) {
                    appendDump(out, der, value);
                }
            }
            default -> appendDump(out, der, value);
        }
    }

    /**
     * Appends {@code width}-byte big-endian characters, escaped; with {@code toUtf8} each
     * character is UTF-8 encoded first. Returns false, having appended nothing, when a character
     * has no UTF-8 encoding (a surrogate or above U+10FFFF).
     */
    private static boolean appendChars(StringBuilder out, byte[] der, Tlv value, int width, boolean toUtf8) {
        int count = (value.end - value.contentStart) / width;
        if (width > 1 && !encodable(der, value, width)) {
            return false;
        }
        for (int i = 0; i < count; i++) {
            long c = 0;
            for (int b = 0; b < width; b++) {
                c = (c << 8) | (der[value.contentStart + i * width + b] & 0xFF);
            }
            // As in OpenSSL's do_buf: the last character's flag wins over the first's.
            boolean last = i == count - 1;
            boolean first = i == 0 && !last;
            if (!toUtf8 || c < 0x80) {
                appendEscaped(out, (int) c, first, last);
            } else {
                appendUtf8Escaped(out, (int) c);
            }
        }
        return true;
    }

    private static boolean encodable(byte[] der, Tlv value, int width) {
        for (int i = value.contentStart; i < value.end; i += width) {
            long c = 0;
            for (int b = 0; b < width; b++) {
                c = (c << 8) | (der[i + b] & 0xFF);
            }
            if (c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
                return false;
            }
        }
        return true;
    }

    /** OpenSSL's {@code do_esc_char} with {@code ASN1_STRFLGS_RFC2253} for one byte. */
    private static void appendEscaped(StringBuilder out, int c, boolean first, boolean last) {
        if (c >= 0x80 || c < 0x20 || c == 0x7F) {
            appendHexEscape(out, c);
            return;
        }
        switch (c) {
            case '"', '+', ',', ';', '<', '>', '\\' -> out.append('\\').append((char) c);
            case '#' -> (first ? out.append('\\') : out).append('#');
            case ' ' -> (first || last ? out.append('\\') : out).append(' ');
            default -> out.append((char) c);
        }
    }

    private static void appendUtf8Escaped(StringBuilder out, int c) {
        if (c < 0x800) {
            appendHexEscape(out, 0xC0 | (c >> 6));
        } else {
            if (c < 0x10000) {
                appendHexEscape(out, 0xE0 | (c >> 12));
            } else {
                appendHexEscape(out, 0xF0 | (c >> 18));
                appendHexEscape(out, 0x80 | ((c >> 12) & 0x3F));
            }
            appendHexEscape(out, 0x80 | ((c >> 6) & 0x3F));
        }
        appendHexEscape(out, 0x80 | (c & 0x3F));
    }

    private static void appendHexEscape(StringBuilder out, int b) {
        out.append('\\').append(HEX[(b >> 4) & 0xF]).append(HEX[b & 0xF]);
    }

    /** OpenSSL's {@code do_dump} with {@code ASN1_STRFLGS_DUMP_DER}: {@code #} and the value's DER. */
    private static void appendDump(StringBuilder out, byte[] der, Tlv value) {
        out.append('#');
        for (int i = value.start; i < value.end; i++) {
            out.append(HEX[(der[i] >> 4) & 0xF]).append(HEX[der[i] & 0xF]);
        }
    }

    private static Map<String, String> shortNames(String... oidThenName) {
        Map<String, String> names = new HashMap<>(oidThenName.length);
        for (int i = 0; i < oidThenName.length; i += 2) {
            names.put(oidThenName[i], oidThenName[i + 1]);
        }
        return Map.copyOf(names);
    }

    /**
     * One DER tag-length-value: {@code tag} is the identifier octet, or -1 for a high tag number
     * (never a character string, so always dumped).
     */
    private record Tlv(int tag, int start, int contentStart, int end) {

        static Tlv read(byte[] der, int start, int limit) {
            int pos = start;
            int tag = der[pos++] & 0xFF;
            if ((tag & 0x1F) == 0x1F) {
                while ((der[pos++] & 0x80) != 0) {
                    // skip the base-128 tag number
                }
                tag = -1;
            }
            int length = der[pos++] & 0xFF;
            if (length >= 0x80) {
                int octets = length & 0x7F;
                if (octets == 0 || octets > 3) {
                    throw new IllegalArgumentException("unsupported length at offset " + start);
                }
                length = 0;
                for (int i = 0; i < octets; i++) {
                    length = (length << 8) | (der[pos++] & 0xFF);
                }
            }
            int end = pos + length;
            if (end > limit) {
                throw new IllegalArgumentException("truncated value at offset " + start);
            }
            return new Tlv(tag, start, pos, end);
        }
    }
}
