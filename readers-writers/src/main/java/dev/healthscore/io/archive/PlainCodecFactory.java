package dev.healthscore.io.archive;

import java.io.IOException;
import java.nio.ByteBuffer;

import com.github.luben.zstd.Zstd;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.xerial.snappy.Snappy;

/**
 * Parquet page compression with snappy-java and zstd-jni called directly:
 * parquet-hadoop's own codec factory builds a Hadoop {@code Configuration} per codec,
 * which would pull most of Hadoop onto the class path.
 */
final class PlainCodecFactory implements CompressionCodecFactory {

	/** zstd level: 3 is zstd's default, a good speed/size balance for archives. */
	private static final int ZSTD_LEVEL = 3;

	@Override
	public BytesInputCompressor getCompressor(CompressionCodecName codec) {
		return new BytesInputCompressor() {

			@Override
			public BytesInput compress(BytesInput bytes) throws IOException {
				byte[] input = bytes.toByteArray();
				return switch (codec) {
					case UNCOMPRESSED -> bytes;
					case SNAPPY -> BytesInput.from(Snappy.compress(input));
					case ZSTD -> BytesInput.from(Zstd.compress(input, ZSTD_LEVEL));
					default -> throw unsupported(codec);
				};
			}

			@Override
			public CompressionCodecName getCodecName() {
				return codec;
			}

			@Override
			public void release() {
			}

		};
	}

	@Override
	public BytesInputDecompressor getDecompressor(CompressionCodecName codec) {
		return new BytesInputDecompressor() {

			@Override
			public BytesInput decompress(BytesInput bytes, int uncompressedSize) throws IOException {
				byte[] input = bytes.toByteArray();
				byte[] output = switch (codec) {
					case UNCOMPRESSED -> input;
					case SNAPPY -> Snappy.uncompress(input);
					case ZSTD -> Zstd.decompress(input, uncompressedSize);
					default -> throw unsupported(codec);
				};
				if (output.length != uncompressedSize) {
					throw new IOException("Invalid " + codec + " page, expected " + uncompressedSize
							+ " bytes after decompression but got " + output.length);
				}
				return BytesInput.from(output);
			}

			@Override
			public void decompress(ByteBuffer input, int compressedSize, ByteBuffer output, int uncompressedSize)
					throws IOException {
				byte[] compressed = new byte[compressedSize];
				input.get(compressed);
				output.put(decompress(BytesInput.from(compressed), uncompressedSize).toByteArray());
			}

			@Override
			public void release() {
			}

		};
	}

	@Override
	public void release() {
	}

	private static IllegalArgumentException unsupported(CompressionCodecName codec) {
		return new IllegalArgumentException("Unsupported Parquet codec, expected SNAPPY or ZSTD: " + codec);
	}

}
