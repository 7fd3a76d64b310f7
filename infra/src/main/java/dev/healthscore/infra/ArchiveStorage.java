package dev.healthscore.infra;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.athena.CfnWorkGroup;
import software.amazon.awscdk.services.glue.CfnDatabase;
import software.amazon.awscdk.services.glue.CfnTable;
import software.amazon.awscdk.services.kms.Key;
import software.amazon.awscdk.services.s3.BlockPublicAccess;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.BucketEncryption;
import software.amazon.awscdk.services.s3.LifecycleRule;
import software.amazon.awscdk.services.s3.ObjectOwnership;
import software.amazon.awscdk.services.s3.StorageClass;
import software.amazon.awscdk.services.s3.Transition;
import software.constructs.Construct;

/**
 * The archive: an encrypted, private, versioned S3 bucket, the Glue tables over it with
 * partition projection, and the Athena workgroup analysts query it through.
 */
public class ArchiveStorage extends Construct {

	/** Key prefix of Athena's query results inside the bucket. */
	public static final String ATHENA_RESULTS_PREFIX = "athena-results";

	/** Name of the Glue database. */
	public static final String GLUE_DATABASE = "healthscore_archive";

	/** Name of the Athena workgroup. */
	public static final String WORKGROUP = "healthscore-analysts";

	/** Days before archived objects move to S3 Standard-IA (S3's minimum is 30). */
	public static final int INFREQUENT_ACCESS_AFTER_DAYS = 30;

	private final Key key;

	private final Bucket bucket;

	private final String prefix;

	/**
	 * Creates the archive.
	 * @param scope the parent
	 * @param id the construct id
	 * @param props the stack's properties
	 */
	public ArchiveStorage(Construct scope, String id, HealthScoreStackProps props) {
		super(scope, id);
		this.prefix = props.archivePrefix();
		this.key = Key.Builder.create(this, "Key")
			.description("Encrypts the health-score archive and Athena results")
			.enableKeyRotation(true)
			.removalPolicy(RemovalPolicy.RETAIN)
			.build();
		this.bucket = Bucket.Builder.create(this, "Bucket")
			.encryption(BucketEncryption.KMS)
			.encryptionKey(this.key)
			.bucketKeyEnabled(true)
			.blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
			.objectOwnership(ObjectOwnership.BUCKET_OWNER_ENFORCED)
			.enforceSsl(true)
			.versioned(true)
			.lifecycleRules(List.of(
					LifecycleRule.builder()
						.id("archive-to-infrequent-access")
						.prefix(this.prefix + "/")
						.transitions(List.of(Transition.builder()
							.storageClass(StorageClass.INFREQUENT_ACCESS)
							.transitionAfter(Duration.days(INFREQUENT_ACCESS_AFTER_DAYS))
							.build()))
						.noncurrentVersionExpiration(Duration.days(90))
						.build(),
					LifecycleRule.builder()
						.id("expire-athena-results")
						.prefix(ATHENA_RESULTS_PREFIX + "/")
						.expiration(Duration.days(30))
						.noncurrentVersionExpiration(Duration.days(1))
						.build(),
					LifecycleRule.builder()
						.id("abort-incomplete-uploads")
						.abortIncompleteMultipartUploadAfter(Duration.days(7))
						.build()))
			.removalPolicy(RemovalPolicy.RETAIN)
			.build();
		CfnDatabase database = CfnDatabase.Builder.create(this, "GlueDatabase")
			.catalogId(Stack.of(this).getAccount())
			.databaseInput(CfnDatabase.DatabaseInputProperty.builder()
				.name(GLUE_DATABASE)
				.description("Archived health readings and scores (Parquet, partition projection)")
				.build())
			.build();
		for (TableSpec table : AthenaTables.ALL) {
			CfnTable cfnTable = CfnTable.Builder.create(this, "Table-" + table.name())
				.catalogId(Stack.of(this).getAccount())
				.databaseName(GLUE_DATABASE)
				.tableInput(tableInput(table))
				.build();
			cfnTable.addDependency(database);
		}
		CfnWorkGroup.Builder.create(this, "Workgroup")
			.name(WORKGROUP)
			.description("Analyst queries over the health-score archive, with a per-query scan limit")
			.recursiveDeleteOption(false)
			.workGroupConfiguration(CfnWorkGroup.WorkGroupConfigurationProperty.builder()
				.bytesScannedCutoffPerQuery(props.athenaBytesScannedCutoff())
				.enforceWorkGroupConfiguration(true)
				.publishCloudWatchMetricsEnabled(true)
				.engineVersion(CfnWorkGroup.EngineVersionProperty.builder()
					.selectedEngineVersion("Athena engine version 3")
					.build())
				.resultConfiguration(CfnWorkGroup.ResultConfigurationProperty.builder()
					.outputLocation("s3://" + this.bucket.getBucketName() + "/" + ATHENA_RESULTS_PREFIX + "/")
					.encryptionConfiguration(CfnWorkGroup.EncryptionConfigurationProperty.builder()
						.encryptionOption("SSE_KMS")
						.kmsKey(this.key.getKeyArn())
						.build())
					.build())
				.build())
			.build();
	}

	private CfnTable.TableInputProperty tableInput(TableSpec table) {
		String location = "s3://" + this.bucket.getBucketName() + "/" + this.prefix + "/" + table.name() + "/";
		Map<String, String> parameters = new TreeMap<>();
		parameters.put("EXTERNAL", "TRUE");
		parameters.put("classification", "parquet");
		if (table.partitioned()) {
			parameters.put("projection.enabled", "true");
			parameters.put("projection.month.type", "date");
			parameters.put("projection.month.format", "yyyy-MM");
			parameters.put("projection.month.range", AthenaTables.PROJECTION_FIRST_MONTH + ",NOW");
			parameters.put("projection.month.interval", "1");
			parameters.put("projection.month.interval.unit", "MONTHS");
			parameters.put("storage.location.template", location + "month=${month}/");
		}
		return CfnTable.TableInputProperty.builder()
			.name(table.name())
			.description(table.description())
			.tableType("EXTERNAL_TABLE")
			.parameters(parameters)
			.partitionKeys(table.partitioned() ? List.of(column(table.partitionKey())) : List.of())
			.storageDescriptor(CfnTable.StorageDescriptorProperty.builder()
				.location(location)
				.columns(table.columns().stream().map(ArchiveStorage::column).toList())
				.inputFormat("org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat")
				.outputFormat("org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat")
				.serdeInfo(CfnTable.SerdeInfoProperty.builder()
					.serializationLibrary("org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe")
					.build())
				.build())
			.build();
	}

	private static CfnTable.ColumnProperty column(ColumnSpec column) {
		return CfnTable.ColumnProperty.builder()
			.name(column.name())
			.type(column.type())
			.comment(column.comment())
			.build();
	}

	/**
	 * Returns the archive bucket.
	 * @return the bucket
	 */
	public Bucket bucket() {
		return this.bucket;
	}

	/**
	 * Returns the key that encrypts the bucket.
	 * @return the KMS key
	 */
	public Key key() {
		return this.key;
	}

	/**
	 * Returns the archive's key prefix inside the bucket.
	 * @return the prefix, without slashes around it
	 */
	public String prefix() {
		return this.prefix;
	}

}
