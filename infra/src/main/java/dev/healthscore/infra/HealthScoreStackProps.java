package dev.healthscore.infra;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;

import software.constructs.Node;

/**
 * What the stack needs to know about the account it deploys into, read from CDK context
 * so that no identifier of a real account lives in the repository.
 *
 * <p>
 * The application's database already exists (the app owns it): the stack imports its VPC,
 * primary instance and credentials secret, and adds a read replica of its own.
 *
 * @param vpcId the VPC of the database
 * @param availabilityZones the zones of the private subnets
 * @param privateSubnetIds private subnets with a route out (NAT or endpoints) for the
 * tasks and the replica
 * @param databaseInstanceId the RDS instance identifier of the primary
 * @param databaseEndpoint the primary's host name
 * @param databasePort the primary's port
 * @param databaseName the PostgreSQL database name
 * @param databaseSecurityGroupId the primary's security group, which the tasks are let
 * into
 * @param databaseSecretName the Secrets Manager secret with {@code username} and
 * {@code password}
 * @param replicaInstanceType the replica's instance type, for example {@code r6g.large}
 * @param databaseMajorVersion the primary's PostgreSQL major version, for example
 * {@code 17}: the replica's parameter group is of that family
 * @param imageRepository the ECR repository of the application image
 * @param imageTag the image tag to run
 * @param archivePrefix the key prefix of the archive inside the bucket
 * @param athenaBytesScannedCutoff the most bytes one Athena query may scan
 * @param databaseSecretKeyArn the customer managed KMS key that encrypts the database
 * secret, which the tasks' execution role may then decrypt through Secrets Manager, or
 * {@code null} for the account's {@code aws/secretsmanager} key (no grant needed)
 * @param databaseSslMode the PostgreSQL driver's {@code sslmode} of the tasks'
 * connections: {@code verify-full} (the default), {@code verify-ca} or {@code require};
 * the modes that may connect in plain text ({@code disable}, {@code allow},
 * {@code prefer}) are refused
 * @param databaseSslRootCert the CA certificates, a PEM file in the image, that the
 * {@code verify-*} modes check the server's certificate against (the driver's
 * {@code sslrootcert})
 */
public record HealthScoreStackProps(String vpcId, List<String> availabilityZones, List<String> privateSubnetIds,
		String databaseInstanceId, String databaseEndpoint, int databasePort, String databaseName,
		String databaseSecurityGroupId, String databaseSecretName, String replicaInstanceType,
		String databaseMajorVersion, String imageRepository, String imageTag, String archivePrefix,
		long athenaBytesScannedCutoff, String databaseSecretKeyArn, String databaseSslMode,
		String databaseSslRootCert) {

	/** Context key of {@link #vpcId()}. */
	public static final String VPC_ID = "vpc-id";

	/** Context key of {@link #availabilityZones()}, a list or comma-separated. */
	public static final String AVAILABILITY_ZONES = "availability-zones";

	/** Context key of {@link #privateSubnetIds()}, a list or comma-separated. */
	public static final String PRIVATE_SUBNET_IDS = "private-subnet-ids";

	/** Context key of {@link #databaseInstanceId()}. */
	public static final String DATABASE_INSTANCE_ID = "database-instance-id";

	/** Context key of {@link #databaseEndpoint()}. */
	public static final String DATABASE_ENDPOINT = "database-endpoint";

	/** Context key of {@link #databasePort()}. */
	public static final String DATABASE_PORT = "database-port";

	/** Default of {@link #databasePort()}. */
	public static final int DATABASE_PORT_DEFAULT = 5432;

	/** Context key of {@link #databaseName()}. */
	public static final String DATABASE_NAME = "database-name";

	/** Default of {@link #databaseName()}. */
	public static final String DATABASE_NAME_DEFAULT = "healthscore";

	/** Context key of {@link #databaseSecurityGroupId()}. */
	public static final String DATABASE_SECURITY_GROUP_ID = "database-security-group-id";

	/** Context key of {@link #databaseSecretName()}. */
	public static final String DATABASE_SECRET_NAME = "database-secret-name";

	/** Context key of {@link #replicaInstanceType()}. */
	public static final String REPLICA_INSTANCE_TYPE = "replica-instance-type";

	/** Default of {@link #replicaInstanceType()}. */
	public static final String REPLICA_INSTANCE_TYPE_DEFAULT = "r6g.large";

	/** Context key of {@link #databaseMajorVersion()}. */
	public static final String DATABASE_MAJOR_VERSION = "database-major-version";

	/** Default of {@link #databaseMajorVersion()}. */
	public static final String DATABASE_MAJOR_VERSION_DEFAULT = "17";

	/** Context key of {@link #imageRepository()}. */
	public static final String IMAGE_REPOSITORY = "image-repository";

	/** Default of {@link #imageRepository()}. */
	public static final String IMAGE_REPOSITORY_DEFAULT = "healthscore";

	/** Context key of {@link #imageTag()}. */
	public static final String IMAGE_TAG = "image-tag";

	/** Context key of {@link #archivePrefix()}. */
	public static final String ARCHIVE_PREFIX = "archive-prefix";

	/** Default of {@link #archivePrefix()}. */
	public static final String ARCHIVE_PREFIX_DEFAULT = "archive";

	/** Context key of {@link #athenaBytesScannedCutoff()}. */
	public static final String ATHENA_BYTES_SCANNED_CUTOFF = "athena-bytes-scanned-cutoff";

	/** Default of {@link #athenaBytesScannedCutoff()}: 10 GiB. */
	public static final long ATHENA_BYTES_SCANNED_CUTOFF_DEFAULT = 10L * 1024 * 1024 * 1024;

	/** Context key of {@link #databaseSecretKeyArn()}. */
	public static final String DATABASE_SECRET_KMS_KEY_ARN = "database-secret-kms-key-arn";

	/** Context key of {@link #databaseSslMode()}. */
	public static final String DATABASE_SSL_MODE = "database-ssl-mode";

	/**
	 * Default of {@link #databaseSslMode()}: TLS, the server's certificate signed by a CA
	 * of {@link #databaseSslRootCert()} and naming the host connected to.
	 */
	public static final String DATABASE_SSL_MODE_DEFAULT = "verify-full";

	/** The {@code sslmode}s that never connect in plain text. */
	private static final List<String> ENCRYPTED_SSL_MODES = List.of("verify-full", "verify-ca", "require");

	/** Context key of {@link #databaseSslRootCert()}. */
	public static final String DATABASE_SSL_ROOT_CERT = "database-ssl-root-cert";

	/**
	 * Default of {@link #databaseSslRootCert()}: where {@code infra/Dockerfile} puts the
	 * RDS CA bundle (the JRE's trust store does not hold the RDS CAs, nor does the driver
	 * read it).
	 */
	public static final String DATABASE_SSL_ROOT_CERT_DEFAULT = "/app/rds-ca-bundle.pem";

	public HealthScoreStackProps {
		availabilityZones = List.copyOf(availabilityZones);
		privateSubnetIds = List.copyOf(privateSubnetIds);
		if (privateSubnetIds.isEmpty() || privateSubnetIds.size() % availabilityZones.size() != 0) {
			throw new IllegalArgumentException(String.format(Locale.ROOT,
					"Invalid subnets, expected a non-empty multiple of the %d availability zones but got %s",
					availabilityZones.size(), privateSubnetIds));
		}
		if (archivePrefix.isEmpty() || archivePrefix.startsWith("/") || archivePrefix.endsWith("/")) {
			throw new IllegalArgumentException(
					"Invalid archive prefix '%s', expected no leading or trailing slash".formatted(archivePrefix));
		}
		// Athena refuses cutoffs below 10 MB.
		if (athenaBytesScannedCutoff < 10_000_000L) {
			throw new IllegalArgumentException(String.format(Locale.ROOT,
					"Invalid Athena bytes scanned cutoff %d, expected at least 10000000", athenaBytesScannedCutoff));
		}
		Objects.requireNonNull(imageTag, "An image tag is required");
		if (databaseSecretKeyArn != null
				&& !databaseSecretKeyArn.matches("arn:[a-z-]+:kms:[a-z0-9-]+:[0-9]{12}:key/.+")) {
			throw new IllegalArgumentException(
					"Invalid database secret KMS key '%s', expected a key ARN (arn:aws:kms:<region>:<account>:key/<id>)"
						.formatted(databaseSecretKeyArn));
		}
		if (!ENCRYPTED_SSL_MODES.contains(databaseSslMode)) {
			throw new IllegalArgumentException(
					("Invalid database SSL mode '%s', expected verify-full, verify-ca or require:"
							+ " the tasks connect to the database over TLS only")
						.formatted(databaseSslMode));
		}
		// it goes into the JDBC URL's query as it is
		if (!databaseSslRootCert.matches("/[A-Za-z0-9._/-]+")) {
			throw new IllegalArgumentException(
					("Invalid database SSL root certificate '%s', expected an absolute path in the image"
							+ " of letters, digits, '.', '_', '-' and '/'")
						.formatted(databaseSslRootCert));
		}
		if (!databaseMajorVersion.matches("1[3-9]|[2-9][0-9]")) {
			throw new IllegalArgumentException(
					"Invalid database major version '%s', expected a PostgreSQL major version such as 17"
						.formatted(databaseMajorVersion));
		}
	}

	/**
	 * Reads the properties from CDK context ({@code -c key=value} or {@code cdk.json}).
	 * @param node the app's node
	 * @return the properties
	 * @throws IllegalArgumentException naming the first required key that is missing
	 */
	public static HealthScoreStackProps fromContext(Node node) {
		Function<String, String> optional = (key) -> {
			Object value = node.tryGetContext(key);
			return (value != null) ? value.toString() : null;
		};
		Function<String, String> required = (key) -> {
			String value = optional.apply(key);
			if (value == null || value.isBlank()) {
				throw new IllegalArgumentException(
						"Missing CDK context value '%s', pass it with -c %s=...".formatted(key, key));
			}
			return value;
		};
		return new HealthScoreStackProps(required.apply(VPC_ID), list(node, AVAILABILITY_ZONES, required),
				list(node, PRIVATE_SUBNET_IDS, required), required.apply(DATABASE_INSTANCE_ID),
				required.apply(DATABASE_ENDPOINT),
				Integer.parseInt(orDefault(optional.apply(DATABASE_PORT), String.valueOf(DATABASE_PORT_DEFAULT))),
				orDefault(optional.apply(DATABASE_NAME), DATABASE_NAME_DEFAULT),
				required.apply(DATABASE_SECURITY_GROUP_ID), required.apply(DATABASE_SECRET_NAME),
				orDefault(optional.apply(REPLICA_INSTANCE_TYPE), REPLICA_INSTANCE_TYPE_DEFAULT),
				orDefault(optional.apply(DATABASE_MAJOR_VERSION), DATABASE_MAJOR_VERSION_DEFAULT),
				orDefault(optional.apply(IMAGE_REPOSITORY), IMAGE_REPOSITORY_DEFAULT), required.apply(IMAGE_TAG),
				orDefault(optional.apply(ARCHIVE_PREFIX), ARCHIVE_PREFIX_DEFAULT),
				Long.parseLong(orDefault(optional.apply(ATHENA_BYTES_SCANNED_CUTOFF),
						String.valueOf(ATHENA_BYTES_SCANNED_CUTOFF_DEFAULT))),
				orDefault(optional.apply(DATABASE_SECRET_KMS_KEY_ARN), null),
				orDefault(optional.apply(DATABASE_SSL_MODE), DATABASE_SSL_MODE_DEFAULT),
				orDefault(optional.apply(DATABASE_SSL_ROOT_CERT), DATABASE_SSL_ROOT_CERT_DEFAULT));
	}

	/**
	 * Returns the JDBC URL of a server of the database, with the TLS settings of the
	 * tasks' connections.
	 * @param host the server's host name
	 * @param port the server's port
	 * @return the URL
	 */
	public String jdbcUrl(String host, String port) {
		String url = "jdbc:postgresql://" + host + ":" + port + "/" + this.databaseName + "?sslmode="
				+ this.databaseSslMode;
		// require does not check the certificate, so the driver does not read the file
		return this.databaseSslMode.startsWith("verify-") ? url + "&sslrootcert=" + this.databaseSslRootCert : url;
	}

	private static List<String> list(Node node, String key, Function<String, String> required) {
		Object value = node.tryGetContext(key);
		if (value instanceof List<?> list) {
			return list.stream().map(Object::toString).toList();
		}
		return Arrays.stream(required.apply(key).split(",")).map(String::strip).filter((s) -> !s.isEmpty()).toList();
	}

	private static String orDefault(String value, String defaultValue) {
		return (value != null && !value.isBlank()) ? value : defaultValue;
	}

}
