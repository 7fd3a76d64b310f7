package dev.healthscore.io.score;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import dev.healthscore.scoring.Reading;
import dev.healthscore.scoring.UserProfile;

/**
 * The Java twins of the database functions {@code healthscore_reading_hash} and
 * {@code healthscore_profile_hash} (migration V3): the first 8 bytes of the MD5 of a
 * canonical text, read as a signed big-endian long.
 * <p>
 * A reading's text is its metric, {@code recorded_at} in microseconds since the epoch,
 * its source (UTF-8 byte length, {@code :}, the text) and its value's IEEE bits as 16 hex
 * digits, joined by {@code |}; a profile's is {@code profile}, the daily step goal and
 * the time zone id (length, {@code :}, text). The text is built in a reused buffer, with
 * the UTF-8 bytes of sources cached. Not thread-safe: one instance per thread.
 */
public final class InputHashes {

	/** Sources and zones are few; a bound keeps odd data from growing the cache. */
	private static final int MAX_CACHED_TEXTS = 1024;

	private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

	private final MessageDigest md5;

	private final byte[] digest = new byte[16];

	private final Map<String, byte[]> utf8 = new HashMap<>();

	private byte[] buffer = new byte[128];

	private int length;

	public InputHashes() {
		try {
			this.md5 = MessageDigest.getInstance("MD5");
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("Cannot find MD5 in this JVM", ex);
		}
	}

	/** The hash of a reading as a score input. */
	public long reading(Reading reading) {
		this.length = 0;
		appendText(reading.metric().columnValue());
		append('|');
		long micros = reading.recordedAt().getEpochSecond() * 1_000_000L + reading.recordedAt().getNano() / 1_000;
		appendDecimal(micros);
		append('|');
		appendSized(reading.source());
		append('|');
		long bits = Double.doubleToRawLongBits(reading.value());
		for (int shift = 60; shift >= 0; shift -= 4) {
			append(HEX[(int) (bits >>> shift) & 0xf]);
		}
		return hash();
	}

	/** The hash of the user attributes a score depends on. */
	public long profile(UserProfile user) {
		this.length = 0;
		appendText("profile|");
		appendDecimal(user.dailyStepGoal());
		append('|');
		appendSized(user.timeZone().getId());
		return hash();
	}

	private long hash() {
		this.md5.update(this.buffer, 0, this.length);
		try {
			this.md5.digest(this.digest, 0, this.digest.length);
		}
		catch (DigestException ex) {
			throw new IllegalStateException("Cannot compute an MD5 digest", ex);
		}
		return ByteBuffer.wrap(this.digest, 0, 8).getLong();
	}

	private void appendSized(String text) {
		if (this.utf8.size() > MAX_CACHED_TEXTS) {
			this.utf8.clear();
		}
		byte[] bytes = this.utf8.computeIfAbsent(text, (t) -> t.getBytes(StandardCharsets.UTF_8));
		appendDecimal(bytes.length);
		append(':');
		for (byte b : bytes) {
			append(b);
		}
	}

	private void appendText(String ascii) {
		for (int i = 0; i < ascii.length(); i++) {
			append(ascii.charAt(i));
		}
	}

	private void appendDecimal(long value) {
		if (value == Long.MIN_VALUE) {
			appendText(Long.toString(value));
			return;
		}
		if (value < 0) {
			append('-');
			value = -value;
		}
		int start = this.length;
		do {
			append('0' + (int) (value % 10));
			value /= 10;
		}
		while (value != 0);
		for (int i = start, j = this.length - 1; i < j; i++, j--) {
			byte swap = this.buffer[i];
			this.buffer[i] = this.buffer[j];
			this.buffer[j] = swap;
		}
	}

	private void append(int b) {
		if (this.length == this.buffer.length) {
			this.buffer = Arrays.copyOf(this.buffer, this.length * 2);
		}
		this.buffer[this.length++] = (byte) b;
	}

}
