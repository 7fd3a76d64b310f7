package dev.healthscore.io.jdbc;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.sql.SQLException;
import java.util.Arrays;

import org.postgresql.copy.PGCopyInputStream;

/**
 * Big-endian reads over the bytes of a binary {@code COPY}. From a
 * {@link PGCopyInputStream} it takes PostgreSQL's CopyData messages (about one row each)
 * as they arrive, without copying them into a buffer of its own; from any other stream it
 * reads through a buffer. The readers of both binary {@code COPY} codecs read through it.
 */
public final class CopyInput implements AutoCloseable {

	private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);

	private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

	private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

	private static final int BUFFER_SIZE = 64 * 1024;

	private static final byte[] SIGNATURE = PgBinaryFormat.signature();

	private final InputStream in;

	private final PGCopyInputStream copy;

	private byte[] buffer;

	private int position;

	private int limit;

	/**
	 * Reads a binary {@code COPY}.
	 * @param in the {@code COPY}'s bytes, a {@link PGCopyInputStream} or any stream
	 */
	public CopyInput(InputStream in) {
		this.in = in;
		this.copy = (in instanceof PGCopyInputStream pg) ? pg : null;
		this.buffer = (this.copy != null) ? new byte[0] : new byte[BUFFER_SIZE];
	}

	/**
	 * Reads the header a binary {@code COPY} starts with: its signature, the flags (no
	 * OIDs since PostgreSQL 12) and the header extension, skipped.
	 * @throws IOException if the stream does not start with the signature
	 */
	public void readHeader() throws IOException {
		byte[] signature = new byte[SIGNATURE.length];
		readFully(signature, 0, signature.length);
		if (!Arrays.equals(signature, SIGNATURE)) {
			throw new IOException("Invalid COPY binary header: " + Arrays.toString(signature));
		}
		readInt();
		skip(readInt());
	}

	/**
	 * Reads a big-endian 16-bit integer.
	 * @return the value
	 */
	public short readShort() throws IOException {
		if (this.limit - this.position >= 2) {
			short value = (short) SHORT.get(this.buffer, this.position);
			this.position += 2;
			return value;
		}
		return (short) readSlowly(2);
	}

	/**
	 * Reads a big-endian 32-bit integer.
	 * @return the value
	 */
	public int readInt() throws IOException {
		if (this.limit - this.position >= 4) {
			int value = (int) INT.get(this.buffer, this.position);
			this.position += 4;
			return value;
		}
		return (int) readSlowly(4);
	}

	/**
	 * Reads a big-endian 64-bit integer.
	 * @return the value
	 */
	public long readLong() throws IOException {
		if (this.limit - this.position >= 8) {
			long value = (long) LONG.get(this.buffer, this.position);
			this.position += 8;
			return value;
		}
		return readSlowly(8);
	}

	/**
	 * Reads bytes.
	 * @param bytes where to put them
	 * @param offset the first index to fill
	 * @param length how many
	 */
	public void readFully(byte[] bytes, int offset, int length) throws IOException {
		while (length > 0) {
			if (this.position == this.limit) {
				fill();
			}
			int n = Math.min(length, this.limit - this.position);
			System.arraycopy(this.buffer, this.position, bytes, offset, n);
			this.position += n;
			offset += n;
			length -= n;
		}
	}

	/**
	 * Skips bytes.
	 * @param length how many
	 */
	public void skip(int length) throws IOException {
		while (length > 0) {
			if (this.position == this.limit) {
				fill();
			}
			int n = Math.min(length, this.limit - this.position);
			this.position += n;
			length -= n;
		}
	}

	/**
	 * Reads what is left of a {@code COPY} whose last row was read, so that pgjdbc sees
	 * its end and the connection is free; closing before that would cancel it.
	 */
	public void finish() throws IOException {
		if (this.copy != null && this.copy.isActive()) {
			this.copy.transferTo(OutputStream.nullOutputStream());
		}
	}

	/**
	 * Closes the stream: a {@code COPY} not {@linkplain #finish() finished} is cancelled.
	 */
	@Override
	public void close() throws IOException {
		this.in.close();
	}

	/** Reads a value that spans two messages (or buffer fills), byte by byte. */
	private long readSlowly(int bytes) throws IOException {
		long value = 0;
		for (int i = 0; i < bytes; i++) {
			if (this.position == this.limit) {
				fill();
			}
			value = (value << 8) | (this.buffer[this.position++] & 0xff);
		}
		return value;
	}

	private void fill() throws IOException {
		if (this.copy != null) {
			byte[] message;
			try {
				message = this.copy.readFromCopy();
			}
			catch (SQLException ex) {
				throw new IOException("Cannot read the COPY: " + ex.getMessage(), ex);
			}
			if (message == null) {
				throw new EOFException("The COPY ended in the middle of a row");
			}
			this.buffer = message;
			this.position = 0;
			this.limit = message.length;
			return;
		}
		int n = this.in.read(this.buffer, 0, this.buffer.length);
		if (n < 0) {
			throw new EOFException("The COPY ended in the middle of a row");
		}
		this.position = 0;
		this.limit = n;
	}

}
