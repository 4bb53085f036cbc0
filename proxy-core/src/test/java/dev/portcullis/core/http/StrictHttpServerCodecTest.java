package dev.portcullis.core.http;

import dev.portcullis.core.exchange.ExchangeStartHandler;
import dev.portcullis.core.exchange.HttpExchange;
import dev.portcullis.testing.TestConnections;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderResultProvider;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class StrictHttpServerCodecTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** What forwarding would say it is answering. */
    private HttpExchange answering;

    private static HttpExchange exchange(HttpMethod method) {
        return new HttpExchange(new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, "/"), System.nanoTime());
    }

    private final List<EmbeddedChannel> channels = new ArrayList<>();

    @AfterEach
    void releaseEverything() {
        for (EmbeddedChannel channel : channels) {
            channel.finishAndReleaseAll();
        }
    }

    /** What came out of the decoder, copied so that every message is released at once. */
    record Decoded(String kind, String uri, String body, Throwable failure) {

        static Decoded request(String uri) {
            return new Decoded("request", uri, null, null);
        }

        static Decoded last(String body) {
            return new Decoded("last", null, body, null);
        }

        boolean failed() {
            return failure != null;
        }
    }

    // ---- obs-fold ---------------------------------------------------------------------------

    @Nested
    class ObsFold {

        private static final String FOLDED_THEN_SMUGGLED = "GET /a HTTP/1.1\r\nHost: a\r\nX-A: one\r\n"
                + " Transfer-Encoding: chunked\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n";

        @Test
        void foldedHeaderFailsTheRequestAndNothingAfterItIsDecodedAtEverySplit() {
            for (int split = 0; split <= FOLDED_THEN_SMUGGLED.length(); split++) {
                List<Decoded> decoded = decode(FOLDED_THEN_SMUGGLED, split);

                assertThat(decoded).as("split at %d", split).hasSize(1);
                assertThat(decoded.get(0).failure()).as("split at %d", split).isInstanceOf(ObsFoldException.class);
            }
        }

        @Test
        void foldedHeaderFailsTheRequestWhenBytesArriveOneAtATime() {
            List<Decoded> decoded = decodeBytewise(FOLDED_THEN_SMUGGLED);

            assertThat(decoded).hasSize(1);
            assertThat(decoded.get(0).failure()).isInstanceOf(ObsFoldException.class);
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {
                "GET / HTTP/1.1\r\nHost: a\r\nX-A: one\r\n\ttwo\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: a\r\nX-A: one\r\n   \r\n\r\n",
                "GET / HTTP/1.1\r\nHost: a\r\nX-A: one\r\n two\r\nX-B: three\r\n\r\n",
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nX-A: b\r\n c\r\n\r\n0\r\n\r\n",
        })
        void everyFoldShapeIsRefused(String request) {
            for (int split = 0; split <= request.length(); split++) {
                List<Decoded> decoded = decode(request, split);

                assertThat(decoded).as("split at %d", split).hasSize(1);
                assertThat(decoded.get(0).failure()).as("split at %d", split).isInstanceOf(ObsFoldException.class);
            }
        }

        @Test
        void foldThatAlsoBreaksTheFramingFailsEitherWayAtEverySplit() {
            String request = "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n Content-Length: 5\r\n\r\nhello";
            for (int split = 0; split <= request.length(); split++) {
                List<Decoded> decoded = decode(request, split);

                assertThat(decoded).as("split at %d", split).hasSize(1);
                assertThat(decoded.get(0).failed())
                        .as("the scanner or, when the head completes in the same read, the decoder refuses it")
                        .isTrue();
            }
        }

        @Test
        void whitespaceBeforeTheFirstHeaderIsTheDecodersOwnFailure() {
            List<Decoded> decoded = decode("GET / HTTP/1.1\r\n Host: a\r\n\r\n");

            assertThat(decoded).hasSize(1);
            assertThat(decoded.get(0).failed()).isTrue();
        }

        @Test
        void cleanRequestThenFoldedOneInTheSameBytesForwardsOnlyTheFirstAtEverySplit() {
            String pipelined = "GET /first HTTP/1.1\r\nHost: a\r\n\r\n"
                    + "GET /second HTTP/1.1\r\nHost: a\r\nX-A: one\r\n two\r\n\r\n"
                    + "GET /third HTTP/1.1\r\nHost: a\r\n\r\n";
            for (int split = 0; split <= pipelined.length(); split++) {
                List<Decoded> decoded = decode(pipelined, split);

                assertThat(decoded).as("split at %d", split).hasSize(3);
                assertThat(decoded.get(0)).isEqualTo(Decoded.request("/first"));
                assertThat(decoded.get(1)).isEqualTo(Decoded.last(""));
                assertThat(decoded.get(2).failure()).as("split at %d", split).isInstanceOf(ObsFoldException.class);
            }
            assertThat(decodeBytewise(pipelined)).hasSize(3);
        }

        @Test
        void leadingEmptyLinesBetweenRequestsAreNotFolds() {
            String pipelined = "GET /first HTTP/1.1\r\nHost: a\r\n\r\n\r\n"
                    + "GET /second HTTP/1.1\r\nHost: a\r\n\r\n";
            for (int split = 0; split <= pipelined.length(); split++) {
                assertThat(decode(pipelined, split)).as("split at %d", split).containsExactly(
                        Decoded.request("/first"), Decoded.last(""), Decoded.request("/second"), Decoded.last(""));
            }
        }

        @Test
        void bodiesContainingLineFeedAndSpaceAreNotFoldsAtEverySplit() {
            String body = "x\n y\r\n z\n\tw";
            String pipelined = "POST /fixed HTTP/1.1\r\nHost: a\r\nContent-Length: " + body.length() + "\r\n\r\n" + body
                    + "POST /chunked HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + Integer.toHexString(body.length()) + "\r\n" + body + "\r\n0\r\n\r\n"
                    + "GET /after HTTP/1.1\r\nHost: a\r\n\r\n";
            for (int split = 0; split <= pipelined.length(); split++) {
                List<Decoded> decoded = merged(decode(pipelined, split));

                assertThat(decoded).as("split at %d", split).containsExactly(
                        Decoded.request("/fixed"), Decoded.last(body),
                        Decoded.request("/chunked"), Decoded.last(body),
                        Decoded.request("/after"), Decoded.last(""));
            }
            assertThat(merged(decodeBytewise(pipelined))).hasSize(6).noneMatch(Decoded::failed);
        }

        @Test
        void threeWaySplitsOfAFoldAfterACleanRequestWithABody() {
            String pipelined = "POST /first HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\n\n \n "
                    + "GET /second HTTP/1.1\r\nHost: a\r\nX-A: one\r\n two\r\n\r\n";
            for (int a = 0; a <= pipelined.length(); a += 3) {
                for (int b = a; b <= pipelined.length(); b += 5) {
                    List<Decoded> decoded = merged(decode(pipelined, a, b));

                    assertThat(decoded).as("splits at %d, %d", a, b).hasSize(3);
                    assertThat(decoded.get(1)).isEqualTo(Decoded.last("\n \n "));
                    assertThat(decoded.get(2).failure()).isInstanceOf(ObsFoldException.class);
                }
            }
        }
    }

    @Nested
    class ObsFoldInTrailers {

        @Test
        void foldedTrailerFailsTheBodyAtEverySplit() {
            String request = "POST /t HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "3\r\n\n \n\r\n0\r\nX-T: one\r\n two\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n";
            for (int split = 0; split <= request.length(); split++) {
                List<Decoded> decoded = merged(decode(request, split));

                assertThat(decoded).as("split at %d", split).hasSize(2);
                assertThat(decoded.get(0)).isEqualTo(Decoded.request("/t"));
                assertThat(decoded.get(1).kind()).isEqualTo("last");
                assertThat(decoded.get(1).failure()).as("split at %d", split).isInstanceOf(ObsFoldException.class);
            }
        }

        @Test
        void chunkedBodiesWithExtensionsAndTrailersAreFollowedToTheNextRequest() {
            String request = "POST /t HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "A;name=value\r\n" + " \n".repeat(5) + "\r\n"
                    + "1 ;x\r\n \r\n"
                    + "0\r\nX-T: 1\r\nX-U: 2\r\n\r\n"
                    + "GET /next HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n";
            for (int split = 0; split <= request.length(); split++) {
                List<Decoded> decoded = merged(decode(request, split));

                assertThat(decoded).as("split at %d", split).hasSize(3);
                assertThat(decoded.get(1)).isEqualTo(Decoded.last(" \n".repeat(5) + " "));
                assertThat(decoded.get(2).failure()).as("the next head is scanned from its first byte")
                        .isInstanceOf(ObsFoldException.class);
            }
        }
    }

    // ---- agreement with Netty's codec --------------------------------------------------------

    /**
     * Without folds, the strict codec must decode exactly what Netty's does, whatever the split:
     * random pipelined requests with bodies full of line breaks and whitespace, chunk extensions
     * and trailers. Seed: {@code -Dportcullis.codec.seed}.
     */
    @Test
    void decodesWhatNettysCodecDecodesWhenThereIsNoFold() {
        long seed = Long.getLong("portcullis.codec.seed", 20_261_122L);
        Random random = new Random(seed);
        for (int round = 0; round < 1_500; round++) {
            String bytes = randomPipeline(random);
            int[] splits = random.ints(random.nextInt(6), 0, bytes.length() + 1).sorted().toArray();

            EmbeddedChannel strict = newChannel();
            int from = 0;
            for (int split : splits) {
                write(strict, bytes.substring(from, split));
                from = split;
            }
            write(strict, bytes.substring(from));
            EmbeddedChannel netty = new EmbeddedChannel(new HttpServerCodec());
            channels.add(netty);
            write(netty, bytes);
            List<String> expected = describe(netty);

            String why = "seed " + seed + ", round " + round + ": " + bytes.replace("\r", "\\r").replace("\n", "\\n");
            assertThat(expected).as(why).noneMatch(d -> d.contains("FAILED"));
            assertThat(describe(strict)).as(why).isEqualTo(expected);
        }
    }

    /** Every message read and released, rendered with its fields; body pieces joined into the last. */
    private static List<String> describe(EmbeddedChannel channel) {
        List<String> described = new ArrayList<>();
        StringBuilder body = new StringBuilder();
        for (Object msg; (msg = channel.readInbound()) != null; ) {
            try {
                if (msg instanceof DecoderResultProvider p && p.decoderResult().isFailure()) {
                    described.add("FAILED " + msg.getClass().getSimpleName());
                } else if (msg instanceof HttpRequest request) {
                    described.add(request.method() + " " + request.uri() + " " + request.headers().entries());
                } else if (msg instanceof HttpContent content) {
                    body.append(content.content().toString(StandardCharsets.ISO_8859_1));
                    if (msg instanceof LastHttpContent last) {
                        described.add("body [" + body + "] trailers " + last.trailingHeaders().entries());
                        body.setLength(0);
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }
        return described;
    }

    private static String randomPipeline(Random random) {
        StringBuilder out = new StringBuilder();
        for (int n = 1 + random.nextInt(4); n > 0; n--) {
            String body = randomText(random, random.nextInt(3) == 0 ? 0 : random.nextInt(40));
            boolean chunked = random.nextBoolean();
            out.append(random.nextBoolean() ? "POST" : "PUT").append(" /r").append(random.nextInt(1000))
                    .append(" HTTP/1.1\r\nHost: a\r\n");
            for (int h = random.nextInt(5); h > 0; h--) {
                out.append("X-H").append(h).append(':').append(random.nextBoolean() ? " " : "")
                        .append(randomValue(random)).append("\r\n");
            }
            out.append(chunked ? "Transfer-Encoding: chunked" : "Content-Length: " + body.length()).append("\r\n\r\n");
            if (!chunked) {
                out.append(body);
                continue;
            }
            for (int at = 0; at < body.length(); ) {
                int size = Math.min(body.length() - at, 1 + random.nextInt(12));
                out.append(Integer.toHexString(size)).append(random.nextBoolean() ? "" : ";ext=1")
                        .append("\r\n").append(body, at, at + size).append("\r\n");
                at += size;
            }
            out.append("0\r\n");
            for (int t = random.nextInt(3); t > 0; t--) {
                out.append("X-T").append(t).append(": ").append(randomValue(random)).append("\r\n");
            }
            out.append("\r\n");
        }
        return out.toString();
    }

    /** Printable text with spaces and tabs inside, never at either end. */
    private static String randomValue(Random random) {
        String inner = randomText(random, random.nextInt(12)).replace('\r', 'r').replace('\n', 'n');
        return "v" + inner + "v";
    }

    /** Bytes a body may hold, with line breaks, spaces and tabs over-represented. */
    private static String randomText(Random random, int length) {
        String tricky = "\r\n \t";
        StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            text.append(random.nextInt(3) == 0 ? tricky.charAt(random.nextInt(tricky.length()))
                    : (char) (0x21 + random.nextInt(0x5e)));
        }
        return text.toString();
    }

    // ---- what the decoder already refused ----------------------------------------------------

    @Test
    void theDecodersOwnFailuresStillComeThroughAndEndDecoding() {
        List<Decoded> decoded = decode("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
                + "Content-Length: 6\r\n"
                + "\r\nhelloxGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n");

        assertThat(decoded).hasSize(1);
        assertThat(decoded.get(0).failed()).isTrue();
    }

    // ---- response side, as HttpServerCodec ---------------------------------------------------

    @Nested
    class Responses {

        @Test
        void responseToHeadHasNoBodyAndTheNextResponseDoes() {
            EmbeddedChannel channel = newChannel();
            write(channel, "HEAD /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\n");
            releaseInbound(channel);

            answering = exchange(HttpMethod.HEAD);
            assertThat(encode(channel, response(HttpResponseStatus.OK, "hello")))
                    .startsWith("HTTP/1.1 200 OK\r\n").contains("content-length: 5").endsWith("\r\n\r\n");
            answering = exchange(HttpMethod.GET);
            assertThat(encode(channel, response(HttpResponseStatus.OK, "hello"))).endsWith("\r\n\r\nhello");
        }

        @Test
        void chunkedResponseToHeadGetsNoChunkTerminator() {
            EmbeddedChannel channel = newChannel();
            answering = exchange(HttpMethod.HEAD);
            DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);

            channel.writeOutbound(head, LastHttpContent.EMPTY_LAST_CONTENT);
            StringBuilder out = new StringBuilder();
            for (ByteBuf b; (b = channel.readOutbound()) != null; ) {
                out.append(b.toString(StandardCharsets.ISO_8859_1));
                b.release();
            }
            assertThat(out.toString()).as("a 0-chunk after a HEAD response would be read as the next response")
                    .endsWith("\r\n\r\n").doesNotContain("\r\n0\r\n");
        }

        @Test
        void interimResponseIsEncodedWhileAHeadRequestIsAnswered() {
            EmbeddedChannel channel = newChannel();
            answering = exchange(HttpMethod.HEAD);

            assertThat(encode(channel, new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE)))
                    .isEqualTo("HTTP/1.1 100 Continue\r\n\r\n");
            assertThat(encode(channel, response(HttpResponseStatus.OK, "hello"))).endsWith("\r\n\r\n");
        }
    }

    // ---- request_header_timeout ---------------------------------------------------------------

    /** Behind a WebSocket upgrade request: held until the answer, then decoded or handed on raw. */
    @Nested
    class HeldInput {

        private static final String UPGRADE = "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n";
        private static final String FRAME_THEN_REQUEST = "\u0081\u0085abcd!!!!!GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n";

        @Test
        void nothingIsDecodedWhileHeldAndTheBytesCountAsPending() {
            EmbeddedChannel channel = newChannel();
            write(channel, UPGRADE);
            assertThat(drain(channel)).containsExactly(Decoded.request("/ws"), Decoded.last(""));
            codec(channel).holdInput();

            write(channel, FRAME_THEN_REQUEST);

            assertThat(drain(channel)).isEmpty();
            assertThat(pendingBytes(channel)).isEqualTo(FRAME_THEN_REQUEST.length());
        }

        @Test
        void resumedInputIsDecodedAsHttpOnTheNextTurnOfTheLoop() {
            EmbeddedChannel channel = newChannel();
            write(channel, UPGRADE);
            drain(channel);
            codec(channel).holdInput();
            write(channel, "GET /next HTTP/1.1\r\nHost: a\r\n\r\n");

            codec(channel).resumeInput();
            assertThat(drain(channel)).as("never inside the caller's stack").isEmpty();
            channel.runPendingTasks();

            assertThat(drain(channel)).containsExactly(Decoded.request("/next"), Decoded.last(""));
        }

        @Test
        void removingTheCodecHandsWhatItHeldOnRaw() {
            EmbeddedChannel channel = newChannel();
            write(channel, UPGRADE);
            drain(channel);
            codec(channel).holdInput();
            write(channel, FRAME_THEN_REQUEST);

            channel.pipeline().remove(StrictHttpServerCodec.class);

            ByteBuf raw = channel.readInbound();
            try {
                assertThat(raw.toString(StandardCharsets.ISO_8859_1)).isEqualTo(FRAME_THEN_REQUEST);
            } finally {
                raw.release();
            }
        }

        private StrictHttpServerCodec codec(EmbeddedChannel channel) {
            return channel.pipeline().get(StrictHttpServerCodec.class);
        }
    }

    @Nested
    class HeaderTimeout {

        @Test
        void headTrickledSlowerThanTheTimeoutFailsOnceFromItsFirstByte() {
            EmbeddedChannel channel = newChannel();
            channel.freezeTime();
            String head = "GET / HTTP/1.1\r\nHost: a\r\nX-Slow: " + "s".repeat(200);
            for (int i = 0; i < 99; i++) {
                write(channel, head.substring(i, i + 1));
                channel.advanceTimeBy(100, TimeUnit.MILLISECONDS);
                assertThat(channel.runScheduledPendingTasks())
                        .as("one deadline, set at the first byte, not moved by later ones")
                        .isEqualTo(TIMEOUT.toNanos() - TimeUnit.MILLISECONDS.toNanos(100L * (i + 1)));
            }
            assertThat(drain(channel)).isEmpty();

            channel.advanceTimeBy(100, TimeUnit.MILLISECONDS);
            channel.runScheduledPendingTasks();
            List<Decoded> decoded = drain(channel);

            assertThat(decoded).hasSize(1);
            assertThat(decoded.get(0).failure()).isInstanceOf(RequestHeaderTimeoutException.class);
            assertThat(channel.runScheduledPendingTasks()).as("nothing left scheduled").isEqualTo(-1);
            write(channel, head.substring(99) + "\r\n\r\n");
            assertThat(drain(channel)).as("the rest is discarded").isEmpty();
            assertThat(pendingBytes(channel)).isZero();
        }

        @Test
        void headCompleteInOneReadSchedulesNothing() {
            EmbeddedChannel channel = newChannel();
            channel.freezeTime();
            write(channel, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");

            assertThat(channel.runScheduledPendingTasks()).isEqualTo(-1);
            assertThat(drain(channel)).containsExactly(Decoded.request("/"), Decoded.last(""));
        }

        @Test
        void headCompletedInTimeCancelsItsDeadline() {
            EmbeddedChannel channel = newChannel();
            channel.freezeTime();
            write(channel, "GET / HTTP/1.1\r\nHo");
            channel.advanceTimeBy(TIMEOUT.toMillis() - 1, TimeUnit.MILLISECONDS);
            write(channel, "st: a\r\n\r\n");

            assertThat(channel.runScheduledPendingTasks()).isEqualTo(-1);
            channel.advanceTimeBy(TIMEOUT.toMillis() * 3, TimeUnit.MILLISECONDS);
            channel.runScheduledPendingTasks();
            assertThat(drain(channel)).containsExactly(Decoded.request("/"), Decoded.last(""));
        }

        @Test
        void idleConnectionBetweenRequestsIsNotTimed() {
            EmbeddedChannel channel = newChannel();
            channel.freezeTime();
            write(channel, "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n");
            channel.advanceTimeBy(TIMEOUT.toMillis() * 10, TimeUnit.MILLISECONDS);
            channel.runScheduledPendingTasks();
            write(channel, "GET /2 HTTP/1.1\r\nHost: a\r\n\r\n");

            assertThat(drain(channel)).containsExactly(
                    Decoded.request("/1"), Decoded.last(""), Decoded.request("/2"), Decoded.last(""));
        }

        @Test
        void slowBodyAfterACompleteHeadIsNotTimed() {
            EmbeddedChannel channel = newChannel();
            channel.freezeTime();
            write(channel, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n");
            for (char c : "hello".toCharArray()) {
                channel.advanceTimeBy(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                assertThat(channel.runScheduledPendingTasks()).isEqualTo(-1);
                write(channel, String.valueOf(c));
            }

            assertThat(merged(drain(channel))).containsExactly(Decoded.request("/"), Decoded.last("hello"));
        }

        @Test
        void nextHeadStartingInTheSameReadAsABodysEndIsTimedFromThen() {
            EmbeddedChannel channel = newChannel();
            channel.freezeTime();
            write(channel, "POST /1 HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nh");
            channel.advanceTimeBy(TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS);
            write(channel, "iGET /2 HT");

            assertThat(channel.runScheduledPendingTasks()).isEqualTo(TIMEOUT.toNanos());
            channel.advanceTimeBy(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            channel.runScheduledPendingTasks();
            List<Decoded> decoded = merged(drain(channel));
            assertThat(decoded).hasSize(3);
            assertThat(decoded.get(1)).isEqualTo(Decoded.last("hi"));
            assertThat(decoded.get(2).failure()).isInstanceOf(RequestHeaderTimeoutException.class);
        }

        @Test
        void deadlineWaitsWhileTheProxyIsNotReadingThenGivesOneMoreLook() {
            EmbeddedChannel channel = newChannel();
            channel.freezeTime();
            write(channel, "GET / HTTP/1.1\r\nHo");
            channel.config().setAutoRead(false);
            channel.advanceTimeBy(TIMEOUT.toMillis() * 5, TimeUnit.MILLISECONDS);
            channel.runScheduledPendingTasks();
            assertThat(drain(channel)).as("the proxy held the bytes back, not the client").isEmpty();

            channel.config().setAutoRead(true);
            channel.advanceTimeBy(StrictHttpServerCodec.PAUSED_RECHECK.toMillis(), TimeUnit.MILLISECONDS);
            channel.runScheduledPendingTasks();
            assertThat(drain(channel)).as("one more look after reading resumed").isEmpty();

            channel.advanceTimeBy(StrictHttpServerCodec.PAUSED_RECHECK.toMillis(), TimeUnit.MILLISECONDS);
            channel.runScheduledPendingTasks();
            List<Decoded> decoded = drain(channel);
            assertThat(decoded).hasSize(1);
            assertThat(decoded.get(0).failure()).isInstanceOf(RequestHeaderTimeoutException.class);
        }

        @Test
        void headCompletedAfterReadingResumedIsNotFailed() {
            EmbeddedChannel channel = newChannel();
            channel.freezeTime();
            write(channel, "GET / HTTP/1.1\r\nHo");
            channel.config().setAutoRead(false);
            channel.advanceTimeBy(TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS);
            channel.runScheduledPendingTasks();
            channel.config().setAutoRead(true);
            write(channel, "st: a\r\n\r\n");

            assertThat(channel.runScheduledPendingTasks()).isEqualTo(-1);
            assertThat(drain(channel)).containsExactly(Decoded.request("/"), Decoded.last(""));
        }

        @Test
        void closingTheConnectionCancelsTheDeadline() {
            EmbeddedChannel channel = newChannel();
            channel.freezeTime();
            write(channel, "GET / HTTP/1.1\r\nHo");
            channel.close();

            assertThat(channel.runScheduledPendingTasks()).isEqualTo(-1);
            channel.advanceTimeBy(TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS);
            channel.runScheduledPendingTasks();
            assertThat(drain(channel)).noneMatch(d -> d.failure() instanceof RequestHeaderTimeoutException);
        }

        @Test
        void removingTheCodecCancelsTheDeadline() {
            EmbeddedChannel channel = newChannel();
            channel.freezeTime();
            write(channel, "GET / HTTP/1.1\r\nHo");
            channel.pipeline().removeFirst();

            assertThat(channel.runScheduledPendingTasks()).isEqualTo(-1);
        }
    }

    // ---- what FramingGuardHandler makes of it -------------------------------------------------

    @Nested
    class BehindTheFramingGuard {

        @Test
        void foldBecomesABadRequestRejection() {
            EmbeddedChannel channel = guarded();
            write(channel, "GET / HTTP/1.1\r\nHost: a\r\nX-A: one\r\n two\r\n\r\n");

            assertThat(channel.<HttpExchange>readInbound().rejection()).isEqualTo(ErrorCode.BAD_REQUEST);
            assertThat(channel.<Object>readInbound()).isNull();
        }

        @Test
        void headerTimeoutBecomesARequestTimeoutRejection() {
            EmbeddedChannel channel = guarded();
            channel.freezeTime();
            write(channel, "GET / HTTP/1.1\r\nHo");
            channel.advanceTimeBy(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            channel.runScheduledPendingTasks();

            assertThat(channel.<HttpExchange>readInbound().rejection()).isEqualTo(ErrorCode.REQUEST_TIMEOUT);
            assertThat(channel.<Object>readInbound()).isNull();
        }

        @Test
        void contentLengthWithTransferEncodingIsLeftOnTheRequestForTheGuardToRefuse() {
            EmbeddedChannel channel = guarded();
            write(channel, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n"
                    + "\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n");

            assertThat(channel.<HttpExchange>readInbound().rejection()).isEqualTo(ErrorCode.BAD_REQUEST);
            assertThat(channel.<Object>readInbound()).as("the smuggled request never comes out").isNull();
        }

        private EmbeddedChannel guarded() {
            EmbeddedChannel channel = new EmbeddedChannel();
            channel.pipeline().addLast(new StrictHttpServerCodec(new HttpDecoderConfig(), TIMEOUT, () -> answering),
                    new ExchangeStartHandler(TestConnections.anonymous(channel).stats()),
                    new FramingGuardHandler(1024, 1024));
            channels.add(channel);
            return channel;
        }
    }

    // ---- memory accounting --------------------------------------------------------------------

    @Test
    void pendingBytesAreWhatArrivedButIsNotDecodedYet() {
        EmbeddedChannel channel = newChannel();
        write(channel, "GET / HTT");
        assertThat(pendingBytes(channel)).isEqualTo(9);

        write(channel, "P/1.1\r\nHost: a\r\nX-Part");
        assertThat(pendingBytes(channel)).as("whole lines are consumed; the partial one waits").isEqualTo(6);

        write(channel, ": 1\r\n\r\n");
        assertThat(pendingBytes(channel)).isZero();
        assertThat(drain(channel)).containsExactly(Decoded.request("/"), Decoded.last(""));
    }

    // ---- helpers ------------------------------------------------------------------------------

    private EmbeddedChannel newChannel() {
        EmbeddedChannel channel = new EmbeddedChannel(new StrictHttpServerCodec(new HttpDecoderConfig(), TIMEOUT, () -> answering));
        channels.add(channel);
        return channel;
    }

    /** Decodes {@code text} written in pieces cut at {@code splits} (ascending). */
    private List<Decoded> decode(String text, int... splits) {
        EmbeddedChannel channel = newChannel();
        int from = 0;
        for (int split : splits) {
            write(channel, text.substring(from, split));
            from = split;
        }
        write(channel, text.substring(from));
        return drain(channel);
    }

    private List<Decoded> decodeBytewise(String text) {
        EmbeddedChannel channel = newChannel();
        for (int i = 0; i < text.length(); i++) {
            write(channel, text.substring(i, i + 1));
        }
        return drain(channel);
    }

    private static void write(EmbeddedChannel channel, String text) {
        if (!text.isEmpty()) {
            channel.writeInbound(Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1));
        }
    }

    /** Reads and releases every inbound message. */
    private static List<Decoded> drain(EmbeddedChannel channel) {
        List<Decoded> decoded = new ArrayList<>();
        for (Object msg; (msg = channel.readInbound()) != null; ) {
            try {
                Throwable failure = msg instanceof DecoderResultProvider p && p.decoderResult().isFailure()
                        ? p.decoderResult().cause() : null;
                if (msg instanceof HttpRequest request) {
                    decoded.add(new Decoded("request", request.uri(), null, failure));
                } else if (msg instanceof HttpContent content) {
                    decoded.add(new Decoded(msg instanceof LastHttpContent ? "last" : "content", null,
                            content.content().toString(StandardCharsets.ISO_8859_1), failure));
                } else {
                    decoded.add(new Decoded(msg.getClass().getSimpleName(), null, null, failure));
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }
        return decoded;
    }

    /** Joins each body's content pieces into its last content, so results do not depend on splits. */
    private static List<Decoded> merged(List<Decoded> decoded) {
        List<Decoded> merged = new ArrayList<>();
        StringBuilder body = new StringBuilder();
        for (Decoded d : decoded) {
            if (d.kind().equals("content") && !d.failed()) {
                body.append(d.body());
            } else if (d.kind().equals("last") && !d.failed()) {
                merged.add(Decoded.last(body.append(d.body()).toString()));
                body.setLength(0);
            } else {
                merged.add(d);
            }
        }
        return merged;
    }

    private static void releaseInbound(EmbeddedChannel channel) {
        drain(channel);
    }

    private static FullHttpResponse response(HttpResponseStatus status, String body) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(body, StandardCharsets.ISO_8859_1));
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length());
        return response;
    }

    /** Writes one response (a head alone gets an empty last content) and returns the bytes sent. */
    private static String encode(EmbeddedChannel channel, Object response) {
        channel.writeOutbound(response);
        if (!(response instanceof FullHttpResponse)) {
            channel.writeOutbound(LastHttpContent.EMPTY_LAST_CONTENT);
        }
        StringBuilder out = new StringBuilder();
        for (ByteBuf bytes; (bytes = channel.readOutbound()) != null; ) {
            out.append(bytes.toString(StandardCharsets.ISO_8859_1));
            bytes.release();
        }
        return out.toString();
    }

    private static int pendingBytes(EmbeddedChannel channel) {
        return channel.pipeline().get(StrictHttpServerCodec.class).pendingBytes();
    }
}
