package dev.portcullis.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.List;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Fails a test class when Netty reported a buffer leak while it ran. Registered for every test
 * class by JUnit's extension auto-detection (see junit-platform.properties).
 */
public final class LeakCheckExtension implements AfterAllCallback {

    @Override
    public void afterAll(ExtensionContext context) throws InterruptedException {
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(50);
            FailingLeakDetector.drain();
        }
        List<String> leaks = FailingLeakDetector.takeLeaks();
        if (!leaks.isEmpty()) {
            fail("LEAK: " + leaks.size() + " Netty resource leak(s) in "
                    + context.getDisplayName() + ":\n" + String.join("\n", leaks));
        }
    }
}
