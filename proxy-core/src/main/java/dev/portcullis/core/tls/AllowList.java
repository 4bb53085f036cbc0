package dev.portcullis.core.tls;

import dev.portcullis.config.AllowRule;

import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * {@code identity.allow}: which verified clients may send requests. Any matching rule admits; no
 * rules admit every verified client. Compiled once per TLS generation (it reloads with the TLS
 * material) and consulted once per connection, at the end of the handshake. Immutable.
 *
 * <p>Globs: in {@code san_uri} {@code *} is one path segment and {@code **} any number of them;
 * in {@code san_dns} {@code *} is one label and {@code **} any number of them. A {@code san_dns}
 * glob ignores ASCII case, as DNS names compare (RFC 4343 §3; a CA may issue {@code API.Example.org});
 * a {@code san_uri} glob is case-sensitive, as a URI path is (RFC 3986 §6.2.2.1).
 */
final class AllowList {

    static final AllowList ANY = new AllowList(List.of());

    private final List<Predicate<ClientIdentity>> rules;

    private AllowList(List<Predicate<ClientIdentity>> rules) {
        this.rules = rules;
    }

    static AllowList of(List<AllowRule> rules) {
        return rules.isEmpty() ? ANY : new AllowList(rules.stream().map(AllowList::compile).toList());
    }

    boolean admits(ClientIdentity identity) {
        if (rules.isEmpty()) {
            return true;
        }
        if (!identity.verified()) {
            return false;
        }
        for (Predicate<ClientIdentity> rule : rules) {
            if (rule.test(identity)) {
                return true;
            }
        }
        return false;
    }

    private static Predicate<ClientIdentity> compile(AllowRule rule) {
        String pattern = rule.pattern();
        return switch (rule.kind()) {
            case SUBJECT -> identity -> pattern.equals(identity.subject());
            case FINGERPRINT -> identity -> pattern.equalsIgnoreCase(identity.fingerprint());
            case SAN_URI -> anyMatches(glob(pattern, '/', 0), ClientIdentity::uriSans);
            case SAN_DNS -> anyMatches(glob(pattern, '.', Pattern.CASE_INSENSITIVE), ClientIdentity::dnsSans);
        };
    }

    private static Predicate<ClientIdentity> anyMatches(Pattern glob, Function<ClientIdentity, List<String>> values) {
        return identity -> {
            for (String value : values.apply(identity)) {
                if (glob.matcher(value).matches()) {
                    return true;
                }
            }
            return false;
        };
    }

    /**
     * {@code **} matches anything, {@code *} anything but {@code separator}; the rest literally.
     * {@code flags} are {@link Pattern}'s: {@link Pattern#CASE_INSENSITIVE} without
     * {@link Pattern#UNICODE_CASE} folds ASCII letters only.
     */
    static Pattern glob(String pattern, char separator, int flags) {
        StringBuilder regex = new StringBuilder();
        int literalStart = 0;
        for (int i = 0; i < pattern.length(); i++) {
            if (pattern.charAt(i) != '*') {
                continue;
            }
            if (i > literalStart) {
                regex.append(Pattern.quote(pattern.substring(literalStart, i)));
            }
            if (i + 1 < pattern.length() && pattern.charAt(i + 1) == '*') {
                regex.append(".*");
                i++;
            } else {
                regex.append("[^\\").append(separator).append("]+");
            }
            literalStart = i + 1;
        }
        if (literalStart < pattern.length()) {
            regex.append(Pattern.quote(pattern.substring(literalStart)));
        }
        return Pattern.compile(regex.toString(), flags);
    }
}
