package dev.healthscore.io.s3;

import java.net.URI;

/**
 * A bucket and a key: where one S3 object (or, with a trailing slash, a prefix) is.
 *
 * @param bucket the bucket name
 * @param key the object key, without a leading slash
 */
public record S3Location(String bucket, String key) {

	public S3Location {
		if (bucket == null || bucket.isBlank()) {
			throw new IllegalArgumentException("Invalid S3 location, bucket is empty: " + bucket);
		}
		if (key == null || key.startsWith("/")) {
			throw new IllegalArgumentException("Invalid S3 location, key is missing or starts with '/': " + key);
		}
	}

	/**
	 * Parses an {@code s3://bucket/key} URI.
	 * @param uri the URI
	 * @return the location
	 */
	public static S3Location parse(String uri) {
		URI parsed = URI.create(uri);
		if (!"s3".equals(parsed.getScheme()) || parsed.getHost() == null) {
			throw new IllegalArgumentException("Invalid S3 URI, expected s3://bucket/key: " + uri);
		}
		String path = (parsed.getPath() != null) ? parsed.getPath() : "";
		return new S3Location(parsed.getHost(), path.startsWith("/") ? path.substring(1) : path);
	}

	/**
	 * Returns the location of a child of this prefix.
	 * @param name the child's name, appended after a slash
	 * @return the child's location
	 */
	public S3Location resolve(String name) {
		if (this.key.isEmpty()) {
			return new S3Location(this.bucket, name);
		}
		return new S3Location(this.bucket, this.key.endsWith("/") ? this.key + name : this.key + "/" + name);
	}

	/**
	 * Returns this location as an {@code s3://} URI.
	 * @return the URI text
	 */
	public String uri() {
		return "s3://" + this.bucket + "/" + this.key;
	}

	@Override
	public String toString() {
		return uri();
	}

}
