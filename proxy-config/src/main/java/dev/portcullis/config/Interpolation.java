package dev.portcullis.config;

import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Replaces <code>${VAR}</code> and <code>${VAR:-default}</code> in a scalar value before it is
 * converted, so that one config file serves every environment (paths from a mounted Secret, ports
 * from the pod).
 *
 * <p>Rules, as in POSIX shells: <code>${VAR:-default}</code> uses the default when {@code VAR} is
 * unset or empty; the default is literal text up to the first <code>&#125;</code>.
 * <code>$${</code> is the escape for a literal <code>${</code>; any other {@code $} is kept as it
 * is. Replaced text is not scanned again. Keys are never interpolated.
 */
final class Interpolation {

    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final String FORMS = "${NAME} or ${NAME:-default}";

    private Interpolation() {
    }

    /**
     * Returns {@code text} with every reference replaced.
     *
     * @param environment returns null for an unset variable
     * @throws IllegalArgumentException naming the variable, fit for a config error
     */
    static String apply(String text, Function<String, String> environment) {
        if (text.indexOf('$') < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        int i = 0;
        while (i < text.length()) {
            if (text.startsWith("$${", i)) {
                out.append("${");
                i += 3;
            } else if (text.startsWith("${", i)) {
                int end = text.indexOf('}', i + 2);
                if (end < 0) {
                    throw new IllegalArgumentException("unterminated \"${\" (expected: " + FORMS + "; write $${ for a literal ${)");
                }
                out.append(resolve(text.substring(i + 2, end), environment));
                i = end + 1;
            } else {
                out.append(text.charAt(i));
                i++;
            }
        }
        return out.toString();
    }

    private static String resolve(String reference, Function<String, String> environment) {
        int split = reference.indexOf(":-");
        String name = split < 0 ? reference : reference.substring(0, split);
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid variable reference " + ValueErrors.quote("${" + reference + "}")
                    + " (expected: " + FORMS + ", NAME made of letters, digits and _)");
        }
        String value = environment.apply(name);
        if (split >= 0) {
            return value == null || value.isEmpty() ? reference.substring(split + 2) : value;
        }
        if (value == null) {
            throw new IllegalArgumentException("environment variable " + name + " is not set (write ${" + name
                    + ":-default} to give a default)");
        }
        return value;
    }
}
