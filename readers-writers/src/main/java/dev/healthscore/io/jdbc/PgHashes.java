package dev.healthscore.io.jdbc;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * PostgreSQL's extended (64-bit) hash functions, ported bit for bit: Bob Jenkins' hash of
 * {@code src/common/hashfn.c} and the per-type wrappers the default hash operator classes
 * use. A little-endian server (x86-64, ARM64) is assumed: on a big-endian one, PostgreSQL
 * reads the bytes the other way round and the results differ.
 */
public final class PgHashes {

	private static final VarHandle LITTLE_ENDIAN_INT = MethodHandles.byteArrayViewVarHandle(int[].class,
			ByteOrder.LITTLE_ENDIAN);

	/** Where each of the last 0–11 bytes goes: word of the state, and shift. */
	private static final int[] TAIL_WORD = { 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2 };

	/** The lowest byte of c is reserved for the length. */
	private static final int[] TAIL_SHIFT = { 0, 8, 16, 24, 0, 8, 16, 24, 8, 16, 24 };

	private static final long CANONICAL_NAN_BITS = Double.doubleToRawLongBits(Double.NaN);

	private PgHashes() {
	}

	/** {@code hash_record_extended}'s way of adding a column's hash to a row's. */
	public static long combine(long row, long column) {
		return (row << 5) - row + column;
	}

	/** {@code hashtextextended} for a deterministic collation: the UTF-8 bytes. */
	public static long text(byte[] utf8, long seed) {
		return bytes(utf8, 0, utf8.length, seed);
	}

	/** {@code timestamp_hash_extended} of an instant given in microseconds since 1970. */
	public static long timestamp(long epochMicros, long seed) {
		return int8(epochMicros - PgBinaryFormat.EPOCH_MICROS, seed);
	}

	/** {@code hashint8extended}. */
	public static long int8(long value, long seed) {
		int low = (int) value;
		int high = (int) (value >> 32);
		low ^= (value >= 0) ? high : ~high;
		return uint32(low, seed);
	}

	/** {@code hashint4extended}. */
	public static long int4(int value, long seed) {
		return uint32(value, seed);
	}

	/** {@code hashfloat8extended}: zeros hash to the seed, NaNs as the canonical NaN. */
	public static long float8(double value, long seed) {
		if (value == 0.0) {
			return seed;
		}
		long bits = Double.isNaN(value) ? CANONICAL_NAN_BITS : Double.doubleToRawLongBits(value);
		// bytes() of the 8 little-endian bytes, without them: the low word goes to a, the
		// high word to b (one per reading scored, so no array)
		int[] s = state(8, seed);
		s[0] += (int) bits;
		s[1] += (int) (bits >>> 32);
		fin(s);
		return result(s);
	}

	/** {@code hash_bytes_uint32_extended}. */
	public static long uint32(int k, long seed) {
		int[] s = state(4, seed);
		s[0] += k;
		fin(s);
		return result(s);
	}

	/** {@code hash_bytes_extended}, reading words little-endian. */
	public static long bytes(byte[] k, int offset, int length, long seed) {
		int[] s = state(length, seed);
		int off = offset;
		int len = length;
		while (len >= 12) {
			s[0] += word(k, off);
			s[1] += word(k, off + 4);
			s[2] += word(k, off + 8);
			mix(s);
			off += 12;
			len -= 12;
		}
		for (int i = 0; i < len; i++) {
			s[TAIL_WORD[i]] += (k[off + i] & 0xff) << TAIL_SHIFT[i];
		}
		fin(s);
		return result(s);
	}

	private static int[] state(int length, long seed) {
		int initial = 0x9e3779b9 + length + 3923095;
		int[] s = { initial, initial, initial };
		if (seed != 0) {
			s[0] += (int) (seed >>> 32);
			s[1] += (int) seed;
			mix(s);
		}
		return s;
	}

	private static long result(int[] s) {
		return ((long) s[1] << 32) | (s[2] & 0xffffffffL);
	}

	private static int word(byte[] k, int off) {
		return (int) LITTLE_ENDIAN_INT.get(k, off);
	}

	private static void mix(int[] s) {
		int a = s[0];
		int b = s[1];
		int c = s[2];
		a -= c;
		a ^= Integer.rotateLeft(c, 4);
		c += b;
		b -= a;
		b ^= Integer.rotateLeft(a, 6);
		a += c;
		c -= b;
		c ^= Integer.rotateLeft(b, 8);
		b += a;
		a -= c;
		a ^= Integer.rotateLeft(c, 16);
		c += b;
		b -= a;
		b ^= Integer.rotateLeft(a, 19);
		a += c;
		c -= b;
		c ^= Integer.rotateLeft(b, 4);
		b += a;
		s[0] = a;
		s[1] = b;
		s[2] = c;
	}

	private static void fin(int[] s) {
		int a = s[0];
		int b = s[1];
		int c = s[2];
		c ^= b;
		c -= Integer.rotateLeft(b, 14);
		a ^= c;
		a -= Integer.rotateLeft(c, 11);
		b ^= a;
		b -= Integer.rotateLeft(a, 25);
		c ^= b;
		c -= Integer.rotateLeft(b, 16);
		a ^= c;
		a -= Integer.rotateLeft(c, 4);
		b ^= a;
		b -= Integer.rotateLeft(a, 14);
		c ^= b;
		c -= Integer.rotateLeft(b, 24);
		s[0] = a;
		s[1] = b;
		s[2] = c;
	}

}
