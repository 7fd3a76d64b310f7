package dev.healthscore.io.s3;

import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.text.SimpleDateFormat;
import java.util.Date;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Properties;
import java.util.TimeZone;

import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.apis.ApiMetadata;
import org.jclouds.blobstore.TransientApiMetadata;
import org.jclouds.filesystem.FilesystemApiMetadata;
import org.jclouds.blobstore.BlobStoreContext;
import org.jclouds.filesystem.reference.FilesystemConstants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CreateBucketRequest;

/**
 * An S3-compatible server in this process (S3Proxy over a jclouds blob store) on
 * 127.0.0.1 and a free port, with keys made up at each start: the embedded default and
 * the tests speak to it over HTTP with the real AWS SDK client.
 */
public final class EmbeddedS3Server implements AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(EmbeddedS3Server.class);

	private static final Region REGION = Region.US_EAST_1;

	private final BlobStoreContext blobStoreContext;

	private final S3Proxy proxy;

	private final String accessKey;

	private final String secretKey;

	private final URI endpoint;

	private boolean closed;

	private EmbeddedS3Server(BlobStoreContext blobStoreContext, String accessKey, String secretKey) throws Exception {
		this.blobStoreContext = blobStoreContext;
		this.accessKey = accessKey;
		this.secretKey = secretKey;
		this.proxy = S3Proxy.builder()
			.blobStore(blobStoreContext.getBlobStore())
			.endpoint(URI.create("http://127.0.0.1:0"))
			.awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
			// accept (and ignore) headers it does not implement, such as server-side
			// encryption
			.ignoreUnknownHeaders(true)
			.build();
		this.proxy.start();
		this.endpoint = URI.create("http://127.0.0.1:" + this.proxy.getPort());
	}

	/**
	 * Starts a server that keeps objects in memory, gone when it stops.
	 * @return the running server
	 */
	public static EmbeddedS3Server inMemory() {
		return start(new TransientApiMetadata(), new Properties());
	}

	/**
	 * Starts a server that keeps objects as files under a directory, one subdirectory a
	 * bucket.
	 * @param directory the base directory, created when missing
	 * @return the running server
	 */
	public static EmbeddedS3Server onDisk(Path directory) {
		Properties properties = new Properties();
		properties.setProperty(FilesystemConstants.PROPERTY_BASEDIR, directory.toAbsolutePath().toString());
		return start(new FilesystemApiMetadata(), properties);
	}

	private static EmbeddedS3Server start(ApiMetadata api, Properties overrides) {
		formatDatesWithAsciiDigits();
		// by metadata, not by name: a lookup by name loads every registered provider,
		// S3Proxy's
		// Azure one too, whose jclouds classes are deliberately not on the class path
		String provider = api.getId();
		String accessKey = "embedded-" + randomHex(8);
		String secretKey = randomHex(20);
		BlobStoreContext context = ContextBuilder.newBuilder(api)
			.credentials(accessKey, secretKey)
			.overrides(overrides)
			.buildView(BlobStoreContext.class);
		try {
			EmbeddedS3Server server = new EmbeddedS3Server(context, accessKey, secretKey);
			logger.info("Embedded S3 server ({} blob store) listening on {}", provider, server.endpoint);
			return server;
		}
		catch (Exception ex) {
			context.close();
			throw new IllegalStateException("Cannot start embedded S3 server with blob store " + provider, ex);
		}
	}

	/**
	 * S3Proxy writes the dates of its answers ({@code LastModified} in a listing, for
	 * one) with {@code new SimpleDateFormat(pattern)}, in the JVM's default format
	 * locale. Under a locale whose digits are not ASCII, such as Egyptian Arabic, the AWS
	 * SDK cannot read them back and every listing fails. The server runs only in the
	 * embedded default and the tests, and this project's own code names its locale
	 * everywhere; so in that case the default format locale of this process becomes
	 * {@link Locale#US}, with a warning, rather than the embedded default failing.
	 */
	static void formatDatesWithAsciiDigits() {
		Locale locale = Locale.getDefault(Locale.Category.FORMAT);
		SimpleDateFormat format = new SimpleDateFormat("yyyy-MM-dd");
		format.setTimeZone(TimeZone.getTimeZone("UTC"));
		String epoch = format.format(new Date(0));
		if (!epoch.equals("1970-01-01")) {
			Locale.setDefault(Locale.Category.FORMAT, Locale.US);
			logger.warn(
					"The default format locale {} writes dates as '{}', which the in-process S3 server would send"
							+ " the AWS SDK: this process formats with {} instead",
					locale.toLanguageTag(), epoch, Locale.US.toLanguageTag());
		}
	}

	/**
	 * Returns the HTTP endpoint, for path-style requests.
	 * @return the endpoint URI
	 */
	public URI endpoint() {
		return this.endpoint;
	}

	/**
	 * Returns the region to sign requests for.
	 * @return the region
	 */
	public Region region() {
		return REGION;
	}

	/**
	 * Returns the access key id made up at start.
	 * @return the access key id
	 */
	public String accessKey() {
		return this.accessKey;
	}

	/**
	 * Returns the secret key made up at start.
	 * @return the secret key
	 */
	public String secretKey() {
		return this.secretKey;
	}

	/**
	 * Returns a new client for this server; the caller closes it.
	 * @return the client
	 */
	public S3Client newClient() {
		return S3Clients.forEndpoint(this.endpoint, REGION, this.accessKey, this.secretKey);
	}

	/**
	 * Creates a bucket when it does not exist yet.
	 * @param bucket the bucket name
	 */
	public void createBucket(String bucket) {
		if (!this.blobStoreContext.getBlobStore().containerExists(bucket)) {
			try (S3Client s3 = newClient()) {
				s3.createBucket(CreateBucketRequest.builder().bucket(bucket).build());
			}
		}
	}

	/**
	 * Stops the server; stored objects of an in-memory server are gone. Safe to call
	 * twice.
	 */
	@Override
	public void close() {
		if (this.closed) {
			return;
		}
		this.closed = true;
		try {
			this.proxy.stop();
		}
		catch (Exception ex) {
			logger.warn("Cannot stop embedded S3 server on {}", this.endpoint, ex);
		}
		finally {
			this.blobStoreContext.close();
		}
	}

	private static String randomHex(int bytes) {
		byte[] random = new byte[bytes];
		new SecureRandom().nextBytes(random);
		return HexFormat.of().formatHex(random);
	}

}
