package dev.healthscore.io.archive;

import java.nio.file.Path;

import dev.healthscore.io.s3.S3OutputStream;
import dev.healthscore.io.s3.ServerSideEncryption;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/**
 * Where and how archives are written: bucket and prefix, file, row group and upload part
 * sizes, compression, server-side encryption, and how many rows of one user an export
 * sorts in memory. Memory used by an export is about one row group plus two parts (one
 * filling while the other uploads) plus at most {@code sortBufferRows} rows, whatever the
 * partition size.
 *
 * @param bucket the S3 bucket
 * @param prefix the key prefix before {@code <table>/month=yyyy-MM/}, without leading or
 * trailing slash; may be empty
 * @param targetFileSize bytes after which an export starts the next {@code part-NNNNN}
 * file
 * @param rowGroupSize the Parquet row group size in bytes
 * @param partSize the multipart upload part size in bytes
 * @param compression the Parquet page compression
 * @param encryption the server-side encryption requested for every object
 * @param sortBufferRows rows of one user (one {@link ArchiveTable#leadingOrderColumn()})
 * that an export sorts in memory; a user with more is sorted in runs of that many on disk
 * @param sortDirectory where an export writes those runs, deleted after use (and, those
 * of an export that died, by the next)
 */
public record ArchiveSettings(String bucket, String prefix, long targetFileSize, long rowGroupSize, int partSize,
		Compression compression, ServerSideEncryption encryption, int sortBufferRows, Path sortDirectory) {

	/** Default target file size: 256 MiB, in the range Athena reads best. */
	public static final long TARGET_FILE_SIZE_DEFAULT = 256L * 1024 * 1024;

	/** Default row group size: 64 MiB, a few row groups per file for per-user pruning. */
	public static final long ROW_GROUP_SIZE_DEFAULT = 64L * 1024 * 1024;

	/** Default multipart part size: 16 MiB. */
	public static final int PART_SIZE_DEFAULT = S3OutputStream.PART_SIZE_DEFAULT;

	/** Default compression. */
	public static final Compression COMPRESSION_DEFAULT = Compression.ZSTD;

	/**
	 * Default rows of one user sorted in memory: 500,000, about 50 to 125 MiB of heap
	 * (100 to 250 bytes a row), four hundred times a month of a user of the synthetic
	 * data (40 readings a day); a watch sending heart rate every second is 2.7 million.
	 */
	public static final int SORT_BUFFER_ROWS_DEFAULT = 500_000;

	/**
	 * Starts settings for a bucket, every other value at its default.
	 * @param bucket the bucket
	 * @return a builder
	 */
	public static Builder builder(String bucket) {
		return new Builder(bucket);
	}

	/**
	 * Returns the key layout these settings write.
	 * @return the layout
	 */
	public ArchiveLayout layout() {
		return new ArchiveLayout(this.bucket, this.prefix);
	}

	/** Parquet page compression codecs Athena reads. */
	public enum Compression {

		/** Snappy: fastest. */
		SNAPPY(CompressionCodecName.SNAPPY),

		/** zstd level 3: smaller files at a small CPU cost. */
		ZSTD(CompressionCodecName.ZSTD);

		private final CompressionCodecName codec;

		Compression(CompressionCodecName codec) {
			this.codec = codec;
		}

		CompressionCodecName codec() {
			return this.codec;
		}

	}

	/** Builds {@link ArchiveSettings}, checking every value in {@link #build()}. */
	public static final class Builder {

		private final String bucket;

		private String prefix = "";

		private long targetFileSize = TARGET_FILE_SIZE_DEFAULT;

		private long rowGroupSize = ROW_GROUP_SIZE_DEFAULT;

		private int partSize = PART_SIZE_DEFAULT;

		private Compression compression = COMPRESSION_DEFAULT;

		private ServerSideEncryption encryption = ServerSideEncryption.BUCKET_DEFAULT;

		private int sortBufferRows = SORT_BUFFER_ROWS_DEFAULT;

		private Path sortDirectory;

		private Builder(String bucket) {
			this.bucket = bucket;
		}

		/**
		 * Sets the key prefix.
		 * @param prefix the prefix, without leading or trailing slash
		 * @return this builder
		 */
		public Builder prefix(String prefix) {
			this.prefix = prefix;
			return this;
		}

		/**
		 * Sets the size after which a new file starts.
		 * @param bytes the size in bytes
		 * @return this builder
		 */
		public Builder targetFileSize(long bytes) {
			this.targetFileSize = bytes;
			return this;
		}

		/**
		 * Sets the row group size.
		 * @param bytes the size in bytes
		 * @return this builder
		 */
		public Builder rowGroupSize(long bytes) {
			this.rowGroupSize = bytes;
			return this;
		}

		/**
		 * Sets the multipart upload part size.
		 * @param bytes the size in bytes, at least 5 MiB
		 * @return this builder
		 */
		public Builder partSize(int bytes) {
			this.partSize = bytes;
			return this;
		}

		/**
		 * Sets the compression.
		 * @param compression the codec
		 * @return this builder
		 */
		public Builder compression(Compression compression) {
			this.compression = compression;
			return this;
		}

		/**
		 * Sets the server-side encryption.
		 * @param encryption the setting
		 * @return this builder
		 */
		public Builder encryption(ServerSideEncryption encryption) {
			this.encryption = encryption;
			return this;
		}

		/**
		 * Sets how many rows of one user are sorted in memory.
		 * @param rows the number of rows, at least 1
		 * @return this builder
		 */
		public Builder sortBufferRows(int rows) {
			this.sortBufferRows = rows;
			return this;
		}

		/**
		 * Sets where the sorted runs of a user with more rows go.
		 * @param directory an existing directory, or null for {@code java.io.tmpdir}
		 * @return this builder
		 */
		public Builder sortDirectory(Path directory) {
			this.sortDirectory = directory;
			return this;
		}

		/**
		 * Checks the values and builds the settings.
		 * @return the settings
		 */
		public ArchiveSettings build() {
			if (this.bucket == null || this.bucket.isBlank()) {
				throw new IllegalArgumentException("A bucket is required");
			}
			if (this.prefix == null || this.prefix.startsWith("/") || this.prefix.endsWith("/")) {
				throw new IllegalArgumentException(
						"A prefix must not be null nor start or end with '/': " + this.prefix);
			}
			if (this.targetFileSize <= 0 || this.rowGroupSize <= 0) {
				throw new IllegalArgumentException("Target file size and row group size must be positive: "
						+ this.targetFileSize + " and " + this.rowGroupSize);
			}
			if (this.partSize < S3OutputStream.MIN_PART_SIZE) {
				throw new IllegalArgumentException("Part size must be at least 5 MiB (S3's minimum): " + this.partSize);
			}
			if (this.compression == null || this.encryption == null) {
				throw new IllegalArgumentException(
						"Compression and encryption are required, got " + this.compression + " and " + this.encryption);
			}
			if (this.sortBufferRows < 1) {
				throw new IllegalArgumentException("Sort buffer rows must be at least 1: " + this.sortBufferRows);
			}
			Path directory = (this.sortDirectory != null) ? this.sortDirectory
					: Path.of(System.getProperty("java.io.tmpdir"));
			return new ArchiveSettings(this.bucket, this.prefix, this.targetFileSize, this.rowGroupSize, this.partSize,
					this.compression, this.encryption, this.sortBufferRows, directory);
		}

	}

}
